/**
 * One reading of a message's properties string, shared by the broker's send path and the store's
 * append and dispatch: the few values they act on (DELAY, WAIT, TRAN_MSG, PGROUP for the broker;
 * TAGS, KEYS, UNIQ_KEY, DELAY for the consume queue and the index) are located in a single pass,
 * and the broker's changes (REAL_TOPIC and REAL_QID of a delayed or half message, its clamped
 * DELAY, a transaction's PGROUP) are made in a single rewrite.
 *
 * Values are kept as index ranges into the text, not as substrings, so reading a message costs no
 * string allocation; the store hashes tags and keys straight from those ranges.
 *
 * Two lookup rules coexist because both are stored behaviour: the broker's decisions read a name
 * like {@link getProperty} (the first item with a non-empty value decides, and a malformed one, with
 * a second \u0001, reads as absent), while the consume-queue tags code and the index keys take the
 * first well-formed item, as the store's byte scan over a record does during recovery.
 */
import { NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR, Prop, withProperty, withoutProperties } from './message-properties.js';

/** A property to set, by name. A value holding a separator makes {@link PropertiesView.set} set the edits one at a time. */
export type PropertyEdit = readonly [name: string, value: string];

// Bits of `shadowed`: fields whose first non-empty item was malformed (getProperty reads them as absent).
const DELAY_BIT = 1;
const WAIT_BIT = 2;
const TRAN_MSG_BIT = 4;
const PGROUP_BIT = 8;

export class PropertiesView {
  /** The properties string as it is (or will be) stored. */
  text = '';
  // [from, to) of the first well-formed item of each field, -1 when there is none.
  tagsFrom = -1;
  tagsTo = -1;
  keysFrom = -1;
  keysTo = -1;
  uniqKeyFrom = -1;
  uniqKeyTo = -1;
  delayFrom = -1;
  delayTo = -1;
  private waitFrom = -1;
  private waitTo = -1;
  private tranMsgFrom = -1;
  private tranMsgTo = -1;
  private pgroupFrom = -1;
  private shadowed = 0;

  /** A view of `text`. */
  static of(text: string): PropertiesView {
    const view = new PropertiesView();
    view.text = text;
    view.scan(0);
    return view;
  }

  /** Re-reads this view from `text` (lets one instance serve many messages). */
  parse(text: string): this {
    this.text = text;
    this.tagsFrom = this.tagsTo = this.keysFrom = this.keysTo = -1;
    this.uniqKeyFrom = this.uniqKeyTo = this.delayFrom = this.delayTo = -1;
    this.waitFrom = this.waitTo = this.tranMsgFrom = this.tranMsgTo = this.pgroupFrom = -1;
    this.shadowed = 0;
    this.scan(0);
    return this;
  }

  /** DELAY as the broker reads it: its level (parseInt semantics, so possibly NaN), 0 when absent. */
  delayLevel(): number {
    return this.delayFrom < 0 || (this.shadowed & DELAY_BIT) !== 0 ? 0 : parseIntRange(this.text, this.delayFrom, this.delayTo);
  }

  /** DELAY as the schedule topic's tags code reads it (first well-formed item); undefined when absent. */
  scheduleDelayLevel(): number | undefined {
    return this.delayFrom < 0 ? undefined : parseIntRange(this.text, this.delayFrom, this.delayTo);
  }

  /** False only for WAIT=false: the sender does not wait for the flush or the slaves. */
  waitStoreMsgOK(): boolean {
    if (this.waitFrom < 0 || (this.shadowed & WAIT_BIT) !== 0) return true;
    return this.waitTo - this.waitFrom !== 5 || !this.text.startsWith('false', this.waitFrom);
  }

  /** TRAN_MSG=true: a transactional message, whatever its sysFlag says. */
  isTransactional(): boolean {
    return this.tranMsgFrom >= 0 && (this.shadowed & TRAN_MSG_BIT) === 0 && this.tranMsgTo - this.tranMsgFrom === 4 && this.text.startsWith('true', this.tranMsgFrom);
  }

  hasProducerGroup(): boolean {
    return this.pgroupFrom >= 0 && (this.shadowed & PGROUP_BIT) === 0;
  }

  /**
   * Sets each property in order, replacing earlier items of the same name: the same text the
   * one-at-a-time {@link withProperty} would give, built in one go. When the text mentions none of
   * the names (the usual case) the items are appended and only they are read; otherwise the text
   * is rebuilt without the old items and read again.
   */
  set(edits: readonly PropertyEdit[]): void {
    const text = this.text;
    if (!independent(edits)) {
      let t = text;
      for (const [name, value] of edits) t = withProperty(t, name, value);
      this.parse(t);
      return;
    }
    let mentioned = false;
    let items = '';
    for (const [name, value] of edits) {
      if (!mentioned && mentions(text, name)) mentioned = true;
      items += name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
    }
    if (mentioned) {
      this.parse(withoutProperties(text, edits.map(([name]) => name)) + items);
      return;
    }
    const head = text === '' || text.endsWith(PROPERTY_SEPARATOR) ? text : text + PROPERTY_SEPARATOR;
    this.text = head + items;
    this.scan(head.length);
  }

  /** Reads the items from `from` on, keeping what earlier items set. */
  private scan(from: number): void {
    const s = this.text;
    const n = s.length;
    // Native searches for the separators: the next \u0001 found while checking one value is
    // the next item's name end, so each separator is searched for about once.
    let i = from;
    let nv = s.indexOf(NAME_VALUE_SEPARATOR, i);
    while (i < n) {
      let end = s.indexOf(PROPERTY_SEPARATOR, i);
      if (end < 0) end = n;
      if (nv < 0 || nv >= end) {
        // An item without \u0001 carries nothing.
        i = end + 1;
        continue;
      }
      const field = fieldOf(s, i, nv - i);
      const from = nv + 1;
      nv = s.indexOf(NAME_VALUE_SEPARATOR, from);
      // A second \u0001 in the item makes it malformed.
      const bad = nv >= 0 && nv < end;
      if (bad) nv = s.indexOf(NAME_VALUE_SEPARATOR, end);
      i = end + 1;
      if (field === NONE || end === from) continue;
      switch (field) {
        case TAGS:
          if (!bad && this.tagsFrom < 0) {
            this.tagsFrom = from;
            this.tagsTo = end;
          }
          break;
        case KEYS:
          if (!bad && this.keysFrom < 0) {
            this.keysFrom = from;
            this.keysTo = end;
          }
          break;
        case UNIQ_KEY:
          if (!bad && this.uniqKeyFrom < 0) {
            this.uniqKeyFrom = from;
            this.uniqKeyTo = end;
          }
          break;
        case DELAY:
          // Both rules: a malformed first item hides DELAY from the broker, not from the store.
          if (this.delayFrom >= 0) break;
          if (bad) this.shadowed |= DELAY_BIT;
          else {
            this.delayFrom = from;
            this.delayTo = end;
          }
          break;
        case WAIT:
          if (this.waitFrom >= 0 || (this.shadowed & WAIT_BIT) !== 0) break;
          if (bad) this.shadowed |= WAIT_BIT;
          else {
            this.waitFrom = from;
            this.waitTo = end;
          }
          break;
        case TRAN_MSG:
          if (this.tranMsgFrom >= 0 || (this.shadowed & TRAN_MSG_BIT) !== 0) break;
          if (bad) this.shadowed |= TRAN_MSG_BIT;
          else {
            this.tranMsgFrom = from;
            this.tranMsgTo = end;
          }
          break;
        case PGROUP:
          if (this.pgroupFrom >= 0 || (this.shadowed & PGROUP_BIT) !== 0) break;
          if (bad) this.shadowed |= PGROUP_BIT;
          else this.pgroupFrom = from;
          break;
      }
    }
  }
}

/** The properties string of a message that carries either the string or a view of it. */
export function textOf(properties: string | PropertiesView): string {
  return typeof properties === 'string' ? properties : properties.text;
}

const NONE = 0;
const TAGS = 1;
const KEYS = 2;
const UNIQ_KEY = 3;
const DELAY = 4;
const WAIT = 5;
const TRAN_MSG = 6;
const PGROUP = 7;

/** Which field the name `s[at, at + length)` is: a length screen, then one comparison. */
function fieldOf(s: string, at: number, length: number): number {
  switch (length) {
    case 4: {
      const c = s.charCodeAt(at);
      if (c === 84) return s.startsWith(Prop.TAGS, at) ? TAGS : NONE;
      if (c === 75) return s.startsWith(Prop.KEYS, at) ? KEYS : NONE;
      if (c === 87) return s.startsWith(Prop.WAIT, at) ? WAIT : NONE;
      return NONE;
    }
    case 5:
      return s.startsWith(Prop.DELAY, at) ? DELAY : NONE;
    case 6:
      return s.startsWith(Prop.PGROUP, at) ? PGROUP : NONE;
    case 8: {
      const c = s.charCodeAt(at);
      if (c === 85) return s.startsWith(Prop.UNIQ_KEY, at) ? UNIQ_KEY : NONE;
      if (c === 84) return s.startsWith(Prop.TRAN_MSG, at) ? TRAN_MSG : NONE;
      return NONE;
    }
    default:
      return NONE;
  }
}

/** `Number.parseInt(s.slice(from, to), 10)`, without the slice for plain digits. */
function parseIntRange(s: string, from: number, to: number): number {
  if (to - from <= 9) {
    let n = 0;
    let k = from;
    for (; k < to; k++) {
      const d = s.charCodeAt(k) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (k === to) return n;
  }
  return Number.parseInt(s.slice(from, to), 10);
}

/** Whether `name\u0001` occurs anywhere in `s` (what makes withProperty rebuild the text). */
function mentions(s: string, name: string): boolean {
  for (let p = s.indexOf(name); p >= 0; p = s.indexOf(name, p + 1)) {
    if (s.charCodeAt(p + name.length) === 1) return true;
  }
  return false;
}

/**
 * True when setting the edits at once gives what setting them one by one would: no value holds a
 * separator and no name ends with another's (so no appended item is mistaken for an earlier one).
 */
function independent(edits: readonly PropertyEdit[]): boolean {
  for (let i = 0; i < edits.length; i++) {
    const [name, value] = edits[i]!;
    if (value.includes(NAME_VALUE_SEPARATOR) || value.includes(PROPERTY_SEPARATOR)) return false;
    for (let j = 0; j < edits.length; j++) if (j !== i && name.endsWith(edits[j]![0])) return false;
  }
  return true;
}
