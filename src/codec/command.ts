/** The logical RemotingCommand carried by every frame: the same fields in either header encoding. */

export const enum SerializeType {
  JSON = 0,
  ROCKETMQ = 1,
}

/** Flag bits: bit 0 marks a response, bit 1 a oneway request. */
export const FLAG_RESPONSE = 1;
export const FLAG_ONEWAY = 2;

export type ExtFields = Record<string, string>;

export interface RemotingCommand {
  code: number;
  /** LanguageCode name; we always send JAVA because Java peers may NPE on unknown languages. */
  language: string;
  version: number;
  opaque: number;
  flag: number;
  remark?: string;
  extFields?: ExtFields;
  body?: Buffer;
  /**
   * An outgoing body given as pieces that leave back to back, uncopied (a pull answer's records,
   * straight from the store's memory). Set instead of `body`; only writers read it.
   */
  bodyParts?: readonly Buffer[];
  /** How the header travelled; responses mirror the request's type. */
  serializeType: SerializeType;
}

export function isResponse(cmd: Pick<RemotingCommand, 'flag'>): boolean {
  return (cmd.flag & FLAG_RESPONSE) !== 0;
}

export function isOneway(cmd: Pick<RemotingCommand, 'flag'>): boolean {
  return (cmd.flag & FLAG_ONEWAY) !== 0;
}

/** Language codes by byte value, as the binary header carries them. */
export const LANGUAGES = [
  'JAVA', 'CPP', 'DOTNET', 'PYTHON', 'DELPHI', 'ERLANG', 'RUBY', 'OTHER', 'HTTP', 'GO', 'PHP', 'OMS', 'RUST',
] as const;

export function languageByte(name: string): number {
  const i = (LANGUAGES as readonly string[]).indexOf(name);
  return i < 0 ? 0 : i;
}

export interface CommandInit {
  code: number;
  opaque?: number;
  flag?: number;
  version?: number;
  remark?: string;
  extFields?: ExtFields;
  body?: Buffer;
  serializeType?: SerializeType;
}

export function command(init: CommandInit): RemotingCommand {
  return {
    code: init.code,
    language: 'JAVA',
    version: init.version ?? 0,
    opaque: init.opaque ?? 0,
    flag: init.flag ?? 0,
    remark: init.remark,
    extFields: init.extFields,
    body: init.body,
    serializeType: init.serializeType ?? SerializeType.JSON,
  };
}

/** A response to `request`: same opaque and serialize type, response flag set. */
export function responseTo(
  request: RemotingCommand,
  code: number,
  version: number,
  fields: { remark?: string; extFields?: ExtFields; body?: Buffer } = {},
): RemotingCommand {
  return {
    code,
    language: 'JAVA',
    version,
    opaque: request.opaque,
    flag: FLAG_RESPONSE,
    remark: fields.remark,
    extFields: fields.extFields,
    body: fields.body,
    serializeType: request.serializeType,
  };
}

/** Entries and UTF-16 code units of the ext fields that are written (null values are skipped). */
export function extFieldsSize(ext: ExtFields | undefined): { entries: number; chars: number } {
  let entries = 0;
  let chars = 0;
  if (ext) {
    for (const key in ext) {
      const value = ext[key];
      if (value === undefined || value === null) continue;
      entries++;
      chars += key.length + (typeof value === 'string' ? value : String(value)).length;
    }
  }
  return { entries, chars };
}
