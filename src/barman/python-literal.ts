// The few Python literals barman writes into backup.info with repr() (barman/infofile.py: `tablespaces` is
// `repr([tuple(t) for t in tablespaces])`, e.g. `[('tbs', 16385, '/data/tbs')]`): lists, tuples, str, int,
// None, True and False, read the way ast.literal_eval reads them (Python's string escapes:
// https://docs.python.org/3/reference/lexical_analysis.html#escape-sequences). Anything else is an error.

/** A parsed literal: nested arrays of strings, numbers, booleans and null. */
export type PythonValue = string | number | boolean | null | PythonValue[];

// repr() writes only these and \xhh, \uhhhh, \Uhhhhhhhh (never octal escapes).
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', "'": "'", '"': '"', n: '\n', r: '\r', t: '\t' };
const HEX_ESCAPES: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

class Reader {
  i = 0;
  constructor(readonly s: string) {}

  fail(what: string): never {
    throw new Error(`not a Python literal (${what} at ${this.i}): ${this.s.slice(0, 80)}`);
  }

  skip(): void {
    while (this.i < this.s.length && /\s/.test(this.s.charAt(this.i))) this.i++;
  }

  value(): PythonValue {
    this.skip();
    const c = this.s.charAt(this.i);
    if (c === '[' || c === '(') return this.sequence(c === '[' ? ']' : ')');
    if (c === "'" || c === '"') return this.string(c);
    const word = /^(-?\d+|None|True|False)/.exec(this.s.slice(this.i))?.[0];
    if (word === undefined) this.fail('unexpected character');
    this.i += word.length;
    if (word === 'None') return null;
    if (word === 'True' || word === 'False') return word === 'True';
    return Number(word);
  }

  sequence(close: string): PythonValue[] {
    this.i++;
    const out: PythonValue[] = [];
    for (;;) {
      this.skip();
      if (this.s.charAt(this.i) === close) {
        this.i++;
        return out;
      }
      out.push(this.value());
      this.skip();
      const sep = this.s.charAt(this.i);
      if (sep === ',') this.i++;
      else if (sep !== close) this.fail(`expected , or ${close}`);
    }
  }

  string(quote: string): string {
    let out = '';
    for (this.i++; this.i < this.s.length; this.i++) {
      const c = this.s.charAt(this.i);
      if (c === quote) {
        this.i++;
        return out;
      }
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s.charAt(++this.i);
      const digits = HEX_ESCAPES[e]; // eslint-disable-line security/detect-object-injection -- a fixed table
      if (digits !== undefined) {
        const hex = this.s.slice(this.i + 1, this.i + 1 + digits);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== digits) this.fail('bad escape');
        out += String.fromCodePoint(parseInt(hex, 16));
        this.i += digits;
      } else {
        const simple = SIMPLE_ESCAPES[e]; // eslint-disable-line security/detect-object-injection -- a fixed table
        if (simple === undefined) this.fail('bad escape');
        out += simple;
      }
    }
    return this.fail('unterminated string');
  }
}

/** Parses one repr()'d literal (the whole text); throws naming the position of what it cannot read. */
export function parsePythonLiteral(text: string): PythonValue {
  const r = new Reader(text);
  const v = r.value();
  r.skip();
  if (r.i !== text.length) r.fail('trailing text');
  return v;
}
