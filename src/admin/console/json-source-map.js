// @ts-check
/**
 * A strict JSON parser (RFC 8259) that also records where every value sits in the text, keyed by
 * JSON pointer (RFC 6901), so that a validation error such as "/card/indicator" can be shown on its
 * line. Syntax errors carry a line and column. No dependencies; runs in the browser and in Node.
 */

/**
 * @typedef {{ line: number, column: number, offset: number }} Position
 * line and column are 1-based; offset is 0-based.
 */

/**
 * @typedef {{ key?: Position, value: Position, valueEnd: Position }} PointerLocation
 */

/**
 * @typedef {{ value: unknown, pointers: Map<string, PointerLocation>, duplicateKeys: { pointer: string, position: Position }[] }} ParseResult
 */

export class JsonSyntaxError extends Error {
  /**
   * @param {string} message
   * @param {Position} position
   */
  constructor(message, position) {
    super(`${message} (line ${position.line}, column ${position.column})`);
    this.name = 'JsonSyntaxError';
    this.reason = message;
    this.position = position;
  }
}

/**
 * Escapes one reference token of a JSON pointer.
 * @param {string} token
 * @returns {string}
 */
export function escapePointerToken(token) {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * @param {string} text
 * @returns {ParseResult}
 */
export function parseWithPointers(text) {
  let pos = 0;
  let line = 1;
  let column = 1;
  /** @type {Map<string, PointerLocation>} */
  const pointers = new Map();
  /** @type {{ pointer: string, position: Position }[]} */
  const duplicateKeys = [];

  /** @returns {Position} */
  const here = () => ({ line, column, offset: pos });

  /** @param {string} message @param {Position} [at] @returns {never} */
  const fail = (message, at) => {
    throw new JsonSyntaxError(message, at ?? here());
  };

  const advance = () => {
    if (text.charCodeAt(pos) === 10) {
      line += 1;
      column = 1;
    } else {
      column += 1;
    }
    pos += 1;
  };

  const skipWhitespace = () => {
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) {
        advance();
      } else {
        return;
      }
    }
  };

  /** @param {string} ch */
  const describe = (ch) => (ch === '' ? 'the end of the text' : `"${ch}"`);

  /** @param {string} expected */
  const expectChar = (expected) => {
    const ch = text.charAt(pos);
    if (ch !== expected) {
      fail(`expected "${expected}" but found ${describe(ch)}`);
    }
    advance();
  };

  /** @returns {string} */
  const parseString = () => {
    if (text.charAt(pos) !== '"') {
      fail(`expected a string but found ${describe(text.charAt(pos))}`);
    }
    advance();
    let out = '';
    for (;;) {
      if (pos >= text.length) {
        fail('unterminated string: a closing quote is missing');
      }
      const ch = text.charAt(pos);
      const code = text.charCodeAt(pos);
      if (ch === '"') {
        advance();
        return out;
      }
      if (code < 0x20) {
        fail(code === 10 ? 'unterminated string: a closing quote is missing before the end of the line' : 'control character inside a string; write it as an escape such as \\n');
      }
      if (ch === '\\') {
        advance();
        const esc = text.charAt(pos);
        /** @type {Record<string, string>} */
        const simple = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (esc in simple) {
          out += simple[esc];
          advance();
        } else if (esc === 'u') {
          advance();
          const hex = text.slice(pos, pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            fail('invalid \\u escape: four hexadecimal digits are needed');
          }
          out += String.fromCharCode(parseInt(hex, 16));
          for (let i = 0; i < 4; i += 1) {
            advance();
          }
        } else {
          fail(`invalid escape "\\${esc}" in a string`);
        }
        continue;
      }
      out += ch;
      advance();
    }
  };

  /** @returns {number} */
  const parseNumber = () => {
    const start = pos;
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(pos, pos + 400));
    if (!match) {
      return fail(`unexpected ${describe(text.charAt(pos))}: expected a value (string, number, object, array, true, false or null)`);
    }
    for (let i = 0; i < match[0].length; i += 1) {
      advance();
    }
    const next = text.charAt(pos);
    if (/[0-9A-Za-z.+-]/.test(next)) {
      fail(`invalid number "${text.slice(start, pos + 1)}"`);
    }
    return Number(match[0]);
  };

  /**
   * @param {string} pointer
   * @param {Position} [keyPos]
   * @returns {unknown}
   */
  const parseValue = (pointer, keyPos) => {
    skipWhitespace();
    const start = here();
    const ch = text.charAt(pos);
    /** @type {unknown} */
    let value;
    if (ch === '{') {
      value = parseObject(pointer);
    } else if (ch === '[') {
      value = parseArray(pointer);
    } else if (ch === '"') {
      value = parseString();
    } else if (ch === 't' || ch === 'f' || ch === 'n') {
      const word = /^[a-z]+/.exec(text.slice(pos, pos + 10))?.[0] ?? '';
      /** @type {Record<string, unknown>} */
      const literals = { true: true, false: false, null: null };
      if (!(word in literals)) {
        fail(`unexpected word "${word}": strings need double quotes`);
      }
      value = literals[word];
      for (let i = 0; i < word.length; i += 1) {
        advance();
      }
    } else if (ch === '') {
      fail('unexpected end of the text: a value is missing');
    } else if (ch === "'") {
      fail('strings need double quotes, not single quotes');
    } else {
      value = parseNumber();
    }
    pointers.set(pointer, { ...(keyPos ? { key: keyPos } : {}), value: start, valueEnd: here() });
    return value;
  };

  /** @param {string} pointer @returns {Record<string, unknown>} */
  const parseObject = (pointer) => {
    expectChar('{');
    /** @type {Record<string, unknown>} */
    const out = {};
    skipWhitespace();
    if (text.charAt(pos) === '}') {
      advance();
      return out;
    }
    for (;;) {
      skipWhitespace();
      const keyPos = here();
      if (text.charAt(pos) === '}') {
        fail('trailing comma before "}"');
      }
      if (text.charAt(pos) !== '"') {
        fail(`expected a property name in double quotes but found ${describe(text.charAt(pos))}`);
      }
      const key = parseString();
      const child = `${pointer}/${escapePointerToken(key)}`;
      if (Object.prototype.hasOwnProperty.call(out, key)) {
        duplicateKeys.push({ pointer: child, position: keyPos });
      }
      skipWhitespace();
      expectChar(':');
      const value = parseValue(child, keyPos);
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      skipWhitespace();
      const next = text.charAt(pos);
      if (next === ',') {
        advance();
        continue;
      }
      if (next === '}') {
        advance();
        return out;
      }
      fail(next === '"' ? 'missing comma between properties' : `expected "," or "}" but found ${describe(next)}`);
    }
  };

  /** @param {string} pointer @returns {unknown[]} */
  const parseArray = (pointer) => {
    expectChar('[');
    /** @type {unknown[]} */
    const out = [];
    skipWhitespace();
    if (text.charAt(pos) === ']') {
      advance();
      return out;
    }
    for (;;) {
      skipWhitespace();
      if (text.charAt(pos) === ']') {
        fail('trailing comma before "]"');
      }
      out.push(parseValue(`${pointer}/${out.length}`));
      skipWhitespace();
      const next = text.charAt(pos);
      if (next === ',') {
        advance();
        continue;
      }
      if (next === ']') {
        advance();
        return out;
      }
      fail(`expected "," or "]" but found ${describe(next)}`);
    }
  };

  if (text.charCodeAt(0) === 0xfeff) {
    advance();
  }
  const value = parseValue('');
  skipWhitespace();
  if (pos < text.length) {
    fail(`unexpected ${describe(text.charAt(pos))} after the end of the JSON value`);
  }
  return { value, pointers, duplicateKeys };
}

/**
 * The line a JSON pointer refers to: the property's key line when it exists; otherwise the nearest
 * existing ancestor (an error such as "must have required property 'summary'" at /card points at
 * the object that lacks it).
 * @param {Map<string, PointerLocation>} pointers
 * @param {string} pointer - "" for the whole document, "/a/0/b" otherwise; "#/a" is accepted.
 * @returns {{ line: number, exact: boolean }}
 */
export function lineOfPointer(pointers, pointer) {
  let p = pointer.startsWith('#') ? decodeURIComponent(pointer.slice(1)) : pointer;
  if (p !== '' && !p.startsWith('/')) {
    p = `/${p}`;
  }
  let exact = true;
  for (;;) {
    const loc = pointers.get(p);
    if (loc) {
      return { line: (loc.key ?? loc.value).line, exact };
    }
    if (p === '') {
      return { line: 1, exact: false };
    }
    exact = false;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}
