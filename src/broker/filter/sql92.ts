/**
 * RocketMQ's SQL92 message filter (4.1+, `enablePropertyFilter=true`): a boolean expression over a
 * message's properties — comparisons, BETWEEN, IN, IS [NOT] NULL, AND / OR / NOT, parentheses,
 * string, number and boolean literals. Properties are strings; a comparison with a number converts
 * the property, and a property that is absent or not a number makes the comparison false.
 */

export class SqlFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SqlFilterError';
  }
}

type Value = string | number | boolean | null;
type Expr =
  | { k: 'lit'; v: Value }
  | { k: 'prop'; name: string }
  | { k: 'not'; e: Expr }
  | { k: 'and' | 'or'; a: Expr; b: Expr }
  | { k: 'cmp'; op: '=' | '<>' | '<' | '<=' | '>' | '>='; a: Expr; b: Expr }
  | { k: 'between'; e: Expr; lo: Expr; hi: Expr; not: boolean }
  | { k: 'in'; e: Expr; list: string[]; not: boolean }
  | { k: 'isnull'; e: Expr; not: boolean };

type Token = { t: 'id' | 'str' | 'num' | 'op' | 'lp' | 'rp' | 'comma' | 'end'; v: string; pos: number };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new SqlFilterError(`unterminated string at ${start}`);
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += src[i++];
      }
      out.push({ t: 'str', v: s, pos: start });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] ?? '') && !/^(num|str|id|rp)$/.test(out[out.length - 1]?.t ?? ''))) {
      i++;
      while (i < src.length && /[0-9.eE+-]/.test(src[i]!) && !(/[+-]/.test(src[i]!) && !/[eE]/.test(src[i - 1]!))) i++;
      const text = src.slice(start, i).replace(/[lLdDfF]$/, '');
      if (!Number.isFinite(Number(text))) throw new SqlFilterError(`bad number ${src.slice(start, i)} at ${start}`);
      out.push({ t: 'num', v: text, pos: start });
    } else if (/[A-Za-z_$]/.test(c)) {
      while (i < src.length && /[A-Za-z0-9_$.]/.test(src[i]!)) i++;
      out.push({ t: 'id', v: src.slice(start, i), pos: start });
    } else if (c === '(') {
      out.push({ t: 'lp', v: c, pos: i++ });
    } else if (c === ')') {
      out.push({ t: 'rp', v: c, pos: i++ });
    } else if (c === ',') {
      out.push({ t: 'comma', v: c, pos: i++ });
    } else {
      const two = src.slice(i, i + 2);
      if (two === '<>' || two === '<=' || two === '>=' || two === '!=') {
        out.push({ t: 'op', v: two === '!=' ? '<>' : two, pos: i });
        i += 2;
      } else if (c === '<' || c === '>' || c === '=') {
        out.push({ t: 'op', v: c, pos: i++ });
      } else {
        throw new SqlFilterError(`unexpected character '${c}' at ${i}`);
      }
    }
  }
  out.push({ t: 'end', v: '', pos: src.length });
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token {
    return this.toks[this.i]!;
  }
  private next(): Token {
    return this.toks[this.i++]!;
  }
  private kw(word: string): boolean {
    const t = this.peek();
    if (t.t === 'id' && t.v.toUpperCase() === word) {
      this.i++;
      return true;
    }
    return false;
  }
  private expect(t: Token['t'], what: string): Token {
    const tok = this.next();
    if (tok.t !== t) throw new SqlFilterError(`expected ${what} at ${tok.pos}, found '${tok.v || 'end'}'`);
    return tok;
  }

  parse(): Expr {
    const e = this.or();
    if (this.peek().t !== 'end') throw new SqlFilterError(`unexpected '${this.peek().v}' at ${this.peek().pos}`);
    return e;
  }
  private or(): Expr {
    let a = this.and();
    while (this.kw('OR')) a = { k: 'or', a, b: this.and() };
    return a;
  }
  private and(): Expr {
    let a = this.not();
    while (this.kw('AND')) a = { k: 'and', a, b: this.not() };
    return a;
  }
  private not(): Expr {
    return this.kw('NOT') ? { k: 'not', e: this.not() } : this.predicate();
  }
  private predicate(): Expr {
    const e = this.operand();
    const t = this.peek();
    if (t.t === 'op') {
      this.i++;
      return { k: 'cmp', op: t.v as '=', a: e, b: this.operand() };
    }
    if (this.kw('IS')) {
      const not = this.kw('NOT');
      if (!this.kw('NULL')) throw new SqlFilterError(`expected NULL at ${this.peek().pos}`);
      return { k: 'isnull', e, not };
    }
    const not = this.kw('NOT');
    if (this.kw('BETWEEN')) {
      const lo = this.operand();
      if (!this.kw('AND')) throw new SqlFilterError(`expected AND in BETWEEN at ${this.peek().pos}`);
      return { k: 'between', e, lo, hi: this.operand(), not };
    }
    if (this.kw('IN')) {
      this.expect('lp', '(');
      const list = [this.expect('str', 'a string').v];
      while (this.peek().t === 'comma') {
        this.i++;
        list.push(this.expect('str', 'a string').v);
      }
      this.expect('rp', ')');
      return { k: 'in', e, list, not };
    }
    if (not) throw new SqlFilterError(`expected BETWEEN or IN after NOT at ${this.peek().pos}`);
    return e;
  }
  private operand(): Expr {
    const t = this.next();
    switch (t.t) {
      case 'lp': {
        const e = this.or();
        this.expect('rp', ')');
        return e;
      }
      case 'str':
        return { k: 'lit', v: t.v };
      case 'num':
        return { k: 'lit', v: Number(t.v) };
      case 'id': {
        const u = t.v.toUpperCase();
        if (u === 'TRUE' || u === 'FALSE') return { k: 'lit', v: u === 'TRUE' };
        if (u === 'NULL') return { k: 'lit', v: null };
        if (['AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'IS'].includes(u)) throw new SqlFilterError(`unexpected keyword ${t.v} at ${t.pos}`);
        return { k: 'prop', name: t.v };
      }
      default:
        throw new SqlFilterError(`expected a value at ${t.pos}, found '${t.v || 'end'}'`);
    }
  }
}

/** Three-valued logic collapsed as RocketMQ does: an unknown comparison is false. */
function evaluate(e: Expr, props: ReadonlyMap<string, string>): Value {
  switch (e.k) {
    case 'lit':
      return e.v;
    case 'prop':
      return props.get(e.name) ?? null;
    case 'not':
      return !truthy(evaluate(e.e, props));
    case 'and':
      return truthy(evaluate(e.a, props)) && truthy(evaluate(e.b, props));
    case 'or':
      return truthy(evaluate(e.a, props)) || truthy(evaluate(e.b, props));
    case 'isnull': {
      const isNull = evaluate(e.e, props) === null;
      return e.not ? !isNull : isNull;
    }
    case 'in': {
      const v = evaluate(e.e, props);
      if (v === null) return false;
      const hit = e.list.includes(String(v));
      return e.not ? !hit : hit;
    }
    case 'between': {
      const v = toNumber(evaluate(e.e, props));
      const lo = toNumber(evaluate(e.lo, props));
      const hi = toNumber(evaluate(e.hi, props));
      if (v === undefined || lo === undefined || hi === undefined) return false;
      const inside = v >= lo && v <= hi;
      return e.not ? !inside : inside;
    }
    case 'cmp':
      return compare(e.op, evaluate(e.a, props), evaluate(e.b, props));
  }
}

function truthy(v: Value): boolean {
  return v === true || v === 'true';
}

function toNumber(v: Value): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function compare(op: string, a: Value, b: Value): boolean {
  if (a === null || b === null) return false;
  if (typeof a === 'number' || typeof b === 'number') {
    const x = toNumber(a);
    const y = toNumber(b);
    if (x === undefined || y === undefined) return false;
    return op === '=' ? x === y : op === '<>' ? x !== y : op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
  }
  if (typeof a === 'boolean' || typeof b === 'boolean') {
    const x = String(a) === 'true';
    const y = String(b) === 'true';
    if (op === '=') return x === y;
    if (op === '<>') return x !== y;
    return false;
  }
  // Strings compare only for (in)equality, as in RocketMQ.
  if (op === '=') return a === b;
  if (op === '<>') return a !== b;
  return false;
}

export interface SqlFilter {
  readonly expression: string;
  matches(props: ReadonlyMap<string, string>): boolean;
}

/** Compiles an expression; throws {@link SqlFilterError} with the position of the problem. */
export function compileSql92(expression: string): SqlFilter {
  if (expression.trim() === '') throw new SqlFilterError('empty SQL92 expression');
  const ast = new Parser(tokenize(expression)).parse();
  return { expression, matches: (props) => truthy(evaluate(ast, props)) };
}
