// A spec `pattern` as the validator runs it: an ECMAScript RegExp with the `u` flag (JSON Schema's
// dialect; without `u`, `.` and classes split emoji into halves). Many patterns written for the
// looser Annex B grammar (no `u`) are refused by the engine under `u`: identity escapes such as `\-`,
// `\_` or `\:`, a lone `{` or `]`, a class range with a class escape (`[\w-.]`). Those have exactly
// one meaning without `u`, so they are rewritten to the same meaning in `u` syntax. Anything whose
// meaning is in doubt (`\Z`, `\A`: a letter in ECMAScript, an anchor in Python/PCRE; legacy octal)
// is refused, never guessed. Python's `\UXXXXXXXX` and `(?P<name>…)` (drf-spectacular copies Django's
// regexes) become `\u{…}` and `(?<name>…)`. The result is compiled here, at generate time, so no SyntaxError can
// reach a caller.

// Characters that keep their backslash under `u` (SyntaxCharacter and `/`).
const SYNTAX = new Set([..."^$\\.*+?()[]{}|/"]);
const CLASS_ESCAPES = new Set([..."dDsSwW"]);
const QUANTIFIER = /\{\d+(?:,\d*)?\}/y;

/**
 * Rewrites `source` to a pattern with the same meaning that compiles under the `u` flag.
 * Returns { source, regex, changed }; throws an Error whose message says what is wrong and where.
 */
export function compilePattern(source) {
  if (typeof source !== "string") throw new Error(`not a string: ${JSON.stringify(source)}`);
  let out = "";
  let i = 0;
  let cls = null; // inside a [...] class: its items, each { text, set } (set: a class escape such as \w)
  const refuse = (why) => {
    throw new Error(`${why} (at offset ${i})`);
  };
  /** Reads the escape at i (a backslash); returns { text, set } and advances i. */
  const readEscape = () => {
    const c = source[i + 1];
    const rest = source.slice(i + 2);
    let text;
    let set = false;
    if (c === undefined) refuse("ends with a lone backslash");
    else if (SYNTAX.has(c)) text = `\\${c}`;
    else if (c === "-") text = cls ? "\\-" : "-";
    else if (CLASS_ESCAPES.has(c)) {
      text = `\\${c}`;
      set = true;
    } else if ("fnrtvbB".includes(c)) text = `\\${c}`;
    else if (c === "0") {
      if (/^\d/.test(rest)) refuse("`\\0` followed by a digit is a legacy octal escape; write `\\x..` or `\\u....`");
      text = "\\0";
    } else if (/[1-9]/.test(c))
      text = `\\${/^\d*/.exec(source.slice(i + 1))[0]}`; // a back-reference; the compile below checks the group exists
    else if (c === "c") {
      if (!/^[A-Za-z]/.test(rest)) refuse("`\\c` must be followed by a letter");
      text = `\\c${rest[0]}`;
    } else if (c === "x") {
      if (!/^[0-9A-Fa-f]{2}/.test(rest)) refuse("`\\x` must be followed by two hex digits");
      text = `\\x${rest.slice(0, 2)}`;
    } else if (c === "u") {
      const m = /^(?:[0-9A-Fa-f]{4}|\{[0-9A-Fa-f]+\})/.exec(rest);
      if (!m) refuse("`\\u` must be followed by four hex digits or {hex}");
      text = `\\u${m[0]}`;
    } else if (c === "U" && /^[0-9A-Fa-f]{8}/.test(rest)) {
      // Python's \UXXXXXXXX, as drf-spectacular writes a non-BMP character (backslashreplace).
      text = `\\u{${rest.slice(0, 8).replace(/^0+(?=.)/, "")}}`;
      i += 10;
      return { text, set };
    } else if (c === "p" || c === "P") {
      const m = /^\{[^}]*\}/.exec(rest);
      if (!m) refuse(`\`\\${c}\` must be followed by {Property}`);
      text = `\\${c}${m[0]}`;
      set = true;
    } else if (c === "k") {
      const m = /^<[^>]*>/.exec(rest);
      if (!m) refuse("`\\k` must be followed by <name>");
      text = `\\k${m[0]}`;
    } else if (/[A-Za-z0-9]/.test(c))
      refuse(
        `\`\\${c}\` is not an ECMAScript escape: without the u flag it is the letter ${c}, in Python or PCRE it means something else (e.g. \\Z, \\A are anchors), so its meaning is not clear`,
      );
    else text = c; // an identity escape of a character with no special meaning: the character itself
    i += 1 + (text.startsWith("\\") ? text.length - 1 : 1);
    return { text, set };
  };

  while (i < source.length) {
    const ch = source[i];
    if (cls) {
      if (ch === "]") {
        // Annex B reads `-` next to a class escape as a literal hyphen; `u` refuses the range.
        cls.forEach((item, k) => {
          const prev = cls[k - 1];
          const next = cls[k + 1];
          if (item.text === "-" && prev && next && prev.text !== "-" && next.text !== "-" && (prev.set || next.set)) item.text = "\\-";
        });
        out += `${cls.map((x) => x.text).join("")}]`;
        cls = null;
        i++;
      } else if (ch === "\\") cls.push(readEscape());
      else {
        const cp = String.fromCodePoint(source.codePointAt(i));
        cls.push({ text: cp, set: false });
        i += cp.length;
      }
    } else if (ch === "\\") out += readEscape().text;
    else if (ch === "[") {
      out += source[i + 1] === "^" ? "[^" : "[";
      i += source[i + 1] === "^" ? 2 : 1;
      cls = [];
      // `[]` and `[^]` are complete classes in ECMAScript: a `]` right here closes it.
    } else if (ch === "{") {
      QUANTIFIER.lastIndex = i;
      const m = QUANTIFIER.exec(source);
      if (m) {
        out += m[0];
        i += m[0].length;
      } else {
        out += "\\{"; // Annex B: a `{` that does not start a quantifier is a literal brace
        i++;
      }
    } else if (ch === "}" || ch === "]") {
      out += `\\${ch}`;
      i++;
    } else if (ch === "(" && source.startsWith("(?P<", i)) {
      out += "(?<"; // Python's named group; the same group in ECMAScript syntax
      i += 4;
    } else if (ch === "(" && source.startsWith("(?P=", i)) {
      const m = /^\(\?P=([A-Za-z_$][\w$]*)\)/.exec(source.slice(i));
      if (!m) refuse("malformed (?P=name)");
      out += `\\k<${m[1]}>`;
      i += m[0].length;
    } else {
      out += ch;
      i++;
    }
  }
  if (cls) throw new Error("unterminated character class `[`");
  let regex;
  try {
    regex = new RegExp(out, "u");
  } catch (e) {
    throw new Error(out === source ? e.message : `${e.message} (rewritten as \`${out}\`)`);
  }
  return { source: out, regex, changed: out !== source };
}
