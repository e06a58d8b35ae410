// Records cross from Rust as serde JSON text (snake_case keys, `null` when absent); the package
// hands them out as plain objects with camelCase keys, each object's keys in sorted order. Doing
// the renaming here keeps one generic JSON writer in the wasm instead of a serde_json::Value
// tree per record (a size budget: see bindings-wasm/pkg-size).

// `snake_case` -> `camelCase`: every `_` is dropped and the next character is upper-cased when it
// is an ASCII letter.
function camel(key) {
  let out = "";
  let upper = false;
  for (const c of key) {
    if (c === "_") {
      upper = true;
    } else if (upper) {
      out += c >= "a" && c <= "z" ? c.toUpperCase() : c;
      upper = false;
    } else {
      out += c;
    }
  }
  return out;
}

// Byte order of the UTF-8 keys (the order of Rust's sorted maps), not UTF-16 code-unit order.
const utf8 = new TextEncoder();
function byBytes(a, b) {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < x.length && i < y.length; i++) {
    if (x[i] !== y[i]) return x[i] - y[i];
  }
  return x.length - y.length;
}

// Renames the keys of one parsed object: keys visited in sorted order, so when two keys meet
// under one camelCase name the later one wins; the result's keys are sorted. Object.fromEntries
// defines own properties (a `__proto__` key stays a plain key, as with JSON.parse).
function renamed(obj) {
  const byName = new Map();
  for (const k of Object.keys(obj).sort(byBytes)) byName.set(camel(k), obj[k]);
  return Object.fromEntries([...byName.keys()].sort(byBytes).map((k) => [k, byName.get(k)]));
}

export function recordFromJson(text) {
  return JSON.parse(text, (_key, value) =>
    value !== null && typeof value === "object" && !Array.isArray(value) ? renamed(value) : value);
}
