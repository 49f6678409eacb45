/**
 * Memory for CommitLog segment images, reused from segment to segment.
 *
 * A fresh image costs a first-touch page fault per 4 KiB as appends fill it, which on a VM is
 * more than encoding the records; reusing the memory of an image the cache let go avoids that.
 * Reads hand out zero-copy views of images, so memory may only be reused once no view of it can
 * be alive. Each use of an image's memory therefore goes through its own handle: a second
 * SharedArrayBuffer object over the same memory, from which the segment's Buffer and every view
 * are made. When a segment lets its image go, the memory is reused at once if no view was handed
 * out, else only after the garbage collector has reclaimed the handle (FinalizationRegistry).
 */
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';

/** One use of an image's memory: `buffer` (over the per-use handle) is the segment's image. */
export interface Image {
  readonly buffer: Buffer;
  readonly memory: SharedArrayBuffer;
}

export class ImagePool {
  private spare: SharedArrayBuffer[] = [];
  private channel: MessageChannel | undefined;
  private readonly registry = new FinalizationRegistry<SharedArrayBuffer>((memory) => this.keep(memory));
  private closed = false;

  /** `size`: bytes per image; `maxSpare`: images kept for reuse. */
  constructor(
    readonly size: number,
    private readonly maxSpare = 1,
  ) {}

  /** An image of `size` bytes: reused memory when there is some, else new (zeroed) memory. */
  take(): Image {
    const memory = this.spare.pop() ?? new SharedArrayBuffer(this.size);
    return { buffer: Buffer.from(this.handle(memory)), memory };
  }

  /**
   * Gives an image back. `viewed`: views of it were handed out, so the memory is kept only once
   * the handle behind `image.buffer` has been collected.
   */
  give(image: Image, viewed: boolean): void {
    if (this.closed) return;
    if (viewed) this.registry.register(image.buffer.buffer, image.memory);
    else this.keep(image.memory);
  }

  close(): void {
    this.closed = true;
    this.spare = [];
    this.channel?.port1.close();
    this.channel?.port2.close();
    this.channel = undefined;
  }

  private keep(memory: SharedArrayBuffer): void {
    if (!this.closed && this.spare.length < this.maxSpare) this.spare.push(memory);
  }

  /** A new SharedArrayBuffer object over `memory` (posting it to a port of our own and back). */
  private handle(memory: SharedArrayBuffer): SharedArrayBuffer {
    if (!this.channel) {
      this.channel = new MessageChannel();
      this.channel.port1.unref();
      this.channel.port2.unref();
    }
    this.channel.port1.postMessage(memory);
    const handle = receiveMessageOnPort(this.channel.port2)?.message as SharedArrayBuffer | undefined;
    if (!(handle instanceof SharedArrayBuffer) || handle === memory) throw new Error('could not make a handle for an image');
    return handle;
  }
}
