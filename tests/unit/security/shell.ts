/**
 * A bash lexer and an injection detector for the scripts the stack renders (tests only).
 *
 * The lexer classifies every character of a script by how bash reads it:
 *   code     unquoted: words, operators, expansions (`$x`, `$(…)`, globs) — bash interprets it
 *   sq       inside '…': literal
 *   esc      the character after an unquoted backslash: literal
 *   quote    a quote or escape character that is syntax, not part of the value
 *   dq       inside "…": `$`, backticks and `\` are still interpreted
 *   ansi     inside $'…'
 *   hq / hu  the body of a quoted (`<<'EOF'`: literal data) / unquoted (`<<EOF`: expanded) here-document
 *   comment  after an unquoted `#` at the start of a word
 * and records the simple commands (words with their dequoted values and positions), nested ones
 * (`$(…)`, `<(…)`, backticks) included, and every here-document with the command that reads it.
 *
 * `findInjections` then decides, for one hostile config value (a payload bracketed by two unique
 * alphanumeric markers), whether it can change what the script does. The rule, applied level by level:
 *
 *  1. In shell code, every character from the start marker to the end marker must be literal data
 *     to bash, all in one word: inside single quotes or backslash-escaped (q()'s `'\''` included).
 *     Anything else — unquoted, double-quoted (`$(…)` and backticks still run there), an unquoted
 *     here-document, a comment the payload could leave with a newline, a payload cut in two (as many
 *     start as end markers are required) — is a finding.
 *  2. A single-quoted word is data at this level but may be code at the next: the code arguments
 *     of the runtime's own functions (ensure_exec's guard and command, wait_for's check) and the
 *     argument of `bash -c` / `sh -c` are lexed again (level + 1) under the same rule. A payload in
 *     any argument of a command that interprets its arguments (eval, awk, sed, jq, ssh, …) is a
 *     finding: we do not model those languages.
 *  3. A quoted here-document (or base64 blob) is data to bash, but what it writes is read by some
 *     other parser: `ensure_file`'s content is checked by the format of its path (shell scripts and
 *     sourced configs at level + 1, JSON by parsing it, systemd/docker env files, curl config,
 *     one-line secret files: a `password` file ends with a newline, a `secret` file has none), and in any other format (systemd units, rsyslog, YAML, zoo.cfg,
 *     sudoers, …) a payload may appear only inside a `#` comment line it cannot leave.
 *
 *     A here-document read by any other command is a finding too (its format is unknown).
 *
 * Why this is sound for what it covers: for a payload to execute, some parser on its way must read
 * one of its characters as syntax. Bash is modelled for the subset the renderers emit (quoting,
 * expansions, here-documents, nested commands; anything the lexer does not understand shows up as
 * `code` and fails), every level of `bash -c` is followed, and each file format a value can land in
 * is either checked by its own rules or allowed only in comments. Assumed, not proven: an ordinary
 * command treats a single-quoted argument as data (true of install, curl, docker, zfs, ...; the
 * interpreters above are refused), and a program that reads a file and interprets it later is
 * tested on its own (e.g. the registry helper that builds a curl config from the password file:
 * tests/unit/security/curl-config.test.ts).
 */

export type Kind = "code" | "sq" | "esc" | "quote" | "dq" | "ansi" | "hq" | "hu" | "comment";

export interface Word {
    start: number;
    end: number;
    /** The word after quote removal; expansions are kept as written. */
    value: string;
}

export interface Command {
    words: Word[];
    /** Redirection targets (file names: data). */
    redirects: Word[];
    /** Here-document bodies this command reads. */
    heredocs: { start: number; end: number; quoted: boolean }[];
}

export interface Lexed {
    kinds: Kind[];
    commands: Command[];
}

interface PendingHeredoc {
    delim: string;
    quoted: boolean;
    strip: boolean;
    cmd: Command;
}

export function lex(s: string): Lexed {
    const kinds: Kind[] = new Array(s.length).fill("code");
    const commands: Command[] = [];
    const mark = (from: number, to: number, k: Kind) => {
        for (let j = from; j < to && j < s.length; j++) kinds[j] = k;
    };

    /** Single-quoted string starting at the opening quote; returns [index after the closing quote, text]. */
    function single(i: number): [number, string] {
        kinds[i] = "quote";
        let j = i + 1;
        let text = "";
        while (j < s.length && s[j] !== "'") {
            kinds[j] = "sq";
            text += s[j];
            j++;
        }
        if (j < s.length) kinds[j] = "quote";
        return [j + 1, text];
    }

    /** $'…' starting at `$`. */
    function ansi(i: number): [number, string] {
        kinds[i] = "quote";
        kinds[i + 1] = "quote";
        let j = i + 2;
        let text = "";
        while (j < s.length && s[j] !== "'") {
            kinds[j] = "ansi";
            if (s[j] === "\\" && j + 1 < s.length) {
                kinds[j + 1] = "ansi";
                text += s[j] + s[j + 1];
                j += 2;
                continue;
            }
            text += s[j];
            j++;
        }
        if (j < s.length) kinds[j] = "quote";
        return [j + 1, text];
    }

    /** A `$…` expansion starting at `$` (outside or inside double quotes); returns the index after it. */
    function dollar(i: number, inside: Kind): number {
        const n = s[i + 1];
        if (n === "(" && s[i + 2] === "(") {
            // Arithmetic: balanced parentheses.
            let depth = 0;
            let j = i + 1;
            for (; j < s.length; j++) {
                if (s[j] === "(") depth++;
                else if (s[j] === ")") {
                    depth--;
                    if (depth === 0) break;
                }
            }
            mark(i, j + 1, "code");
            return j + 1;
        }
        if (n === "(") {
            mark(i, i + 2, "code");
            return code(i + 2, ")");
        }
        if (n === "{") {
            mark(i, i + 2, "code");
            return param(i + 2);
        }
        if (n !== undefined && /[A-Za-z0-9_?#@*!$-]/.test(n)) {
            let j = i + 1;
            if (/[A-Za-z_]/.test(n)) while (j < s.length && /[A-Za-z0-9_]/.test(s[j])) j++;
            else j++;
            mark(i, j, "code");
            return j;
        }
        kinds[i] = inside; // a lone `$` is literal
        return i + 1;
    }

    /** The inside of ${…}: up to the matching brace, quotes and nested expansions included. */
    function param(i: number): number {
        let j = i;
        while (j < s.length) {
            const c = s[j];
            if (c === "}") {
                kinds[j] = "code";
                return j + 1;
            }
            if (c === "'") j = single(j)[0];
            else if (c === '"') j = double(j)[0];
            else if (c === "\\") {
                kinds[j] = "quote";
                kinds[j + 1] = "esc";
                j += 2;
            } else if (c === "$") j = dollar(j, "code");
            else if (c === "`") j = code(j + 1, "`");
            else {
                kinds[j] = "code";
                j++;
            }
        }
        return j;
    }

    /** Double-quoted string starting at the opening quote. */
    function double(i: number): [number, string] {
        kinds[i] = "quote";
        let j = i + 1;
        let text = "";
        while (j < s.length && s[j] !== '"') {
            const c = s[j];
            if (c === "\\" && j + 1 < s.length && '$`"\\\n'.includes(s[j + 1])) {
                kinds[j] = "dq";
                kinds[j + 1] = "dq";
                text += s[j + 1];
                j += 2;
            } else if (c === "$") {
                const k = dollar(j, "dq");
                text += s.slice(j, k);
                j = k;
            } else if (c === "`") {
                kinds[j] = "code";
                const k = code(j + 1, "`");
                text += s.slice(j, k);
                j = k;
            } else {
                kinds[j] = "dq";
                text += c;
                j++;
            }
        }
        if (j < s.length) kinds[j] = "quote";
        return [j + 1, text];
    }

    /** Here-document bodies after the newline at `i - 1`. */
    function bodies(i: number, pending: PendingHeredoc[]): number {
        let j = i;
        for (const h of pending) {
            const start = j;
            for (;;) {
                if (j >= s.length) {
                    h.cmd.heredocs.push({ start, end: s.length, quoted: h.quoted });
                    mark(start, s.length, h.quoted ? "hq" : "hu");
                    return s.length;
                }
                const nl = s.indexOf("\n", j);
                const lineEnd = nl < 0 ? s.length : nl;
                const line = s.slice(j, lineEnd);
                if ((h.strip ? line.replace(/^\t+/, "") : line) === h.delim) {
                    h.cmd.heredocs.push({ start, end: j, quoted: h.quoted });
                    mark(start, j, h.quoted ? "hq" : "hu");
                    mark(j, lineEnd + 1, "quote");
                    j = lineEnd + 1;
                    break;
                }
                j = lineEnd + 1;
            }
        }
        return j;
    }

    /**
     * Code up to `term` (`)` of `$(`/`<(`, a closing backtick, or the end). Returns the index after
     * the terminator.
     */
    function code(i: number, term: ")" | "`" | null): number {
        let cmd: Command = { words: [], redirects: [], heredocs: [] };
        let word: Word | null = null;
        let pending: PendingHeredoc[] = [];
        let depth = 0;
        let caseDepth = 0;
        let redirectTarget = false;
        const endWord = (at: number) => {
            if (!word) return;
            word.end = at;
            if (redirectTarget) {
                redirectTarget = false;
                cmd.redirects.push(word);
            } else {
                if (word.value === "case" && cmd.words.length === 0) caseDepth++;
                if (word.value === "esac") caseDepth = Math.max(0, caseDepth - 1);
                cmd.words.push(word);
            }
            word = null;
        };
        const endCmd = (at: number) => {
            endWord(at);
            if (cmd.words.length || cmd.heredocs.length) commands.push(cmd);
            cmd = { words: [], redirects: [], heredocs: [] };
        };
        const w = (at: number): Word => (word ??= { start: at, end: at, value: "" });
        let j = i;
        while (j < s.length) {
            const c = s[j];
            if (term === ")" && c === ")" && depth === 0 && caseDepth === 0) {
                endCmd(j);
                kinds[j] = "code";
                return j + 1;
            }
            if (term === "`" && c === "`") {
                endCmd(j);
                kinds[j] = "code";
                return j + 1;
            }
            if (c === "\n") {
                endCmd(j);
                j = bodies(j + 1, pending);
                pending = [];
                continue;
            }
            if (c === " " || c === "\t") {
                endWord(j);
                j++;
                continue;
            }
            if (c === "#" && !word) {
                while (j < s.length && s[j] !== "\n") kinds[j++] = "comment";
                continue;
            }
            if (c === ";" || c === "&" || c === "|") {
                endCmd(j);
                j++;
                continue;
            }
            if (c === "(") {
                endCmd(j);
                depth++;
                j++;
                continue;
            }
            if (c === ")") {
                endCmd(j);
                depth--;
                j++;
                continue;
            }
            if (c === "<" || c === ">") {
                // A file descriptor number right before the operator is not an argument.
                const open = word as Word | null;
                if (open && /^\d+$/.test(open.value) && s.slice(open.start, j) === open.value) word = null;
                endWord(j);
                if (s[j + 1] === "(") {
                    j = code(j + 2, ")");
                    continue;
                }
                if (c === "<" && s[j + 1] === "<" && s[j + 2] !== "<") {
                    // Here-document: <<[-] DELIM, quoted when any part of DELIM is quoted.
                    let k = j + 2;
                    const strip = s[k] === "-";
                    if (strip) k++;
                    while (s[k] === " " || s[k] === "\t") k++;
                    let delim = "";
                    let quoted = false;
                    while (k < s.length && !/[\s;&|<>()]/.test(s[k])) {
                        if (s[k] === "'" || s[k] === '"') {
                            quoted = true;
                            const q0 = s[k];
                            k++;
                            while (k < s.length && s[k] !== q0) delim += s[k++];
                            k++;
                        } else if (s[k] === "\\") {
                            quoted = true;
                            delim += s[k + 1] ?? "";
                            k += 2;
                        } else delim += s[k++];
                    }
                    mark(j, k, "quote");
                    pending.push({ delim, quoted, strip, cmd });
                    j = k;
                    continue;
                }
                // <, >, >>, <<<, >&, <&, >|: the next word is a redirection target.
                while (s[j] === "<" || s[j] === ">" || s[j] === "&" || s[j] === "|") j++;
                redirectTarget = true;
                continue;
            }
            const cur = w(j);
            if (c === "'") {
                const [k, text] = single(j);
                cur.value += text;
                j = k;
            } else if (c === '"') {
                const [k, text] = double(j);
                cur.value += text;
                j = k;
            } else if (c === "\\") {
                if (s[j + 1] === "\n") {
                    mark(j, j + 2, "quote");
                    j += 2;
                    continue;
                }
                kinds[j] = "quote";
                if (j + 1 < s.length) kinds[j + 1] = "esc";
                cur.value += s[j + 1] ?? "";
                j += 2;
            } else if (c === "$" && s[j + 1] === "'") {
                const [k, text] = ansi(j);
                cur.value += text;
                j = k;
            } else if (c === "$") {
                const k = dollar(j, "code");
                cur.value += s.slice(j, k);
                j = k;
            } else if (c === "`") {
                kinds[j] = "code";
                const k = code(j + 1, "`");
                cur.value += s.slice(j, k);
                j = k;
            } else {
                kinds[j] = "code";
                cur.value += c;
                j++;
            }
        }
        endCmd(j);
        if (pending.length) bodies(j, pending);
        return j;
    }

    code(0, null);
    return { kinds, commands };
}

/** One hostile value: `start + danger + end`, the markers unique alphanumeric words. */
export interface Marker {
    start: string;
    end: string;
    payload: string;
}

export interface Finding {
    where: string;
    why: string;
    excerpt: string;
}

/** Commands whose arguments are code in a language this detector does not model. */
const INTERPRETERS = new Set([
    "eval",
    "source",
    ".",
    "awk",
    "gawk",
    "mawk",
    "sed",
    "perl",
    "python",
    "python3",
    "ruby",
    "node",
    "jq",
    "ssh",
    "su",
    "xargs",
    "find",
    "expect",
    "tclsh",
    "php",
]);
/** The runtime's own functions (components/provision/script.ts): which 1-based arguments are bash code. */
const CODE_ARGS: Record<string, number[]> = { ensure_exec: [2, 3], wait_for: [3] };
/** Files that bash sources (components/volumes: every value is single-quoted there). */
const SOURCED = [/^\/etc\/microservice\/volumes\/(volumes|ebs)\.conf$/];

const base = (w: string) => w.replace(/^.*\//, "");

/** Arguments of `cmd` that bash runs as code (runtime functions, `bash -c`, `sh -c`). */
function codeWords(cmd: Command): Word[] {
    const words = cmd.words;
    if (!words.length) return [];
    const out: Word[] = [];
    const name = words[0].value;
    for (const n of CODE_ARGS[name] ?? []) if (words[n]) out.push(words[n]);
    words.forEach((w, i) => {
        if (/^(ba|da|z|k)?sh$/.test(base(w.value))) {
            for (let k = i + 1; k < words.length; k++) {
                if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(words[k].value)) {
                    if (words[k + 1]) out.push(words[k + 1]);
                    break;
                }
                if (!words[k].value.startsWith("-")) break;
            }
        }
    });
    return out;
}

function interpreterOf(cmd: Command): string | undefined {
    return cmd.words.map((w) => base(w.value)).find((n) => INTERPRETERS.has(n));
}

function excerpt(s: string, at: number): string {
    return JSON.stringify(s.slice(Math.max(0, at - 60), at + 100));
}

function occurrences(s: string, needle: string): number[] {
    const out: number[] = [];
    for (let i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) out.push(i);
    return out;
}

/** The files `ensure_file` writes, with their content (here-document or base64), from a rendered step. */
export function filesOf(script: string, lexed: Lexed = lex(script)): { path: string; content: string }[] {
    const files: { path: string; content: string }[] = [];
    for (const cmd of lexed.commands) {
        if (cmd.words[0]?.value !== "ensure_file" || !cmd.words[1]) continue;
        const path = cmd.words[1].value;
        if (cmd.heredocs.length) {
            for (const h of cmd.heredocs) files.push({ path, content: script.slice(h.start, h.end) });
        }
    }
    // Content without a final newline travels base64-encoded: `ensure_file … < <(printf '%s' '<b64>' | base64 -d)`.
    const b64 = /ensure_file '((?:[^'\n]|'\\'')*)'[^\n]*? < <\(printf '%s' '([A-Za-z0-9+/=]*)' \| base64 -d\)/g;
    for (let m = b64.exec(script); m; m = b64.exec(script)) {
        files.push({ path: m[1].replace(/'\\''/g, "'"), content: Buffer.from(m[2], "base64").toString("utf8") });
    }
    return files;
}

/**
 * Where a hostile value could change what `script` (bash) does. `where` names the script in findings.
 */
export function findInjections(script: string, m: Marker, where: string, level = 1): Finding[] {
    if (level > 6) return [{ where, why: "nested too deep to analyse", excerpt: "" }];
    const findings: Finding[] = [];
    const lexed = lex(script);
    const { kinds } = lexed;
    const wordAt = new Map<number, { cmd: Command; word: Word }>();
    for (const cmd of lexed.commands)
        for (const word of [...cmd.words, ...cmd.redirects]) for (let i = word.start; i < word.end; i++) wordAt.set(i, { cmd, word });
    const heredocAt = (i: number) => {
        for (const cmd of lexed.commands) for (const h of cmd.heredocs) if (i >= h.start && i < h.end) return { cmd, h };
        return undefined;
    };

    const starts = occurrences(script, m.start);
    const ends = occurrences(script, m.end);
    if (ends.length !== starts.length) {
        findings.push({
            where,
            why: `level ${level}: ${starts.length} start marker(s) but ${ends.length} end marker(s): the value arrived cut or mangled`,
            excerpt: excerpt(script, starts[0] ?? ends[0] ?? 0),
        });
    }
    for (const a of starts) {
        const b = script.indexOf(m.end, a);
        if (b < 0) continue;
        const stop = b + m.end.length;
        const spanKinds = new Set(kinds.slice(a, stop));
        if ([...spanKinds].every((k) => k === "hq")) {
            const doc = heredocAt(a);
            const reader = doc?.cmd.words[0]?.value ?? "?";
            const shell = /^(ba|da|z|k)?sh$/.test(base(reader));
            if (shell) findings.push(...findInjections(script.slice(doc!.h.start, doc!.h.end), m, `${where} > here-document of ${reader}`, level + 1));
            // ensure_file's content is checked by its file format (checkFile); any other reader is unknown.
            else if (reader !== "ensure_file")
                findings.push({
                    where,
                    why: `level ${level}: the value is a here-document read by ${reader}, whose format is not checked`,
                    excerpt: excerpt(script, a),
                });
            continue;
        }
        const literal = [...spanKinds].every((k) => k === "sq" || k === "esc" || k === "quote");
        const syntax = [...Array(stop - a).keys()]
            .map((d) => a + d)
            .filter((i) => kinds[i] === "quote")
            .every((i) => script[i] === "'" || script[i] === "\\");
        const at = wordAt.get(a);
        if (!literal || !syntax || !at || at.word.end < stop) {
            findings.push({
                where,
                why: `level ${level}: the value is read by bash as ${[...spanKinds].join("+")} (only single-quoted data is safe)`,
                excerpt: excerpt(script, a),
            });
            continue;
        }
        const interp = interpreterOf(at.cmd);
        if (interp) {
            findings.push({ where, why: `level ${level}: the value is an argument of ${interp}, which interprets it`, excerpt: excerpt(script, a) });
        } else if (codeWords(at.cmd).includes(at.word)) {
            // Data here, code at the next level: the same rule there.
            findings.push(...findInjections(at.word.value, m, `${where} > ${at.cmd.words[0].value} argument`, level + 1));
        }
        // Otherwise data: bash passes exactly the characters between the quotes (the renderer may have
        // transformed the value before quoting it, e.g. JSON-escaped it in a message: still data).
    }
    // Values that travel base64-encoded are invisible above: decode every blob and look inside.
    for (const cmd of lexed.commands) {
        for (const word of cmd.words) {
            if (!/^[A-Za-z0-9+/]{16,}={0,2}$/.test(word.value)) continue;
            const decoded = Buffer.from(word.value, "base64").toString("utf8");
            if ((decoded.includes(m.start) || decoded.includes(m.end)) && !filesOf(script, lexed).some((f) => f.content === decoded)) {
                findings.push({
                    where,
                    why: `level ${level}: the value travels base64-encoded to ${cmd.words[0]?.value}`,
                    excerpt: excerpt(script, word.start),
                });
            }
        }
    }
    for (const f of filesOf(script, lexed)) findings.push(...checkFile(f.path, f.content, m, `${where} > file ${f.path}`, level + 1));
    return findings;
}

/** Whether a hostile value in file content stays data for the program that reads the file. */
export function checkFile(path: string, content: string, m: Marker, where: string, level: number): Finding[] {
    if (!content.includes(m.start) && !content.includes(m.end)) return [];
    const firstLine = content.split("\n", 1)[0];
    if (/^#!.*\b(ba|da)?sh\b/.test(firstLine) || SOURCED.some((r) => r.test(path))) return findInjections(content, m, where, level);
    const bad = (why: string): Finding[] => [{ where, why, excerpt: excerpt(content, Math.max(0, content.indexOf(m.start))) }];
    const lines = content.split("\n");
    const marked = lines.filter((l) => l.includes(m.start) || l.includes(m.end));
    const onOneLine = marked.every((l) => l.includes(m.payload));
    if (/\.(json|marathon)$/.test(path)) {
        let parsed: unknown;
        try {
            parsed = JSON.parse(content);
        } catch (e) {
            return bad(`the JSON no longer parses: ${(e as Error).message}`);
        }
        const leaves: string[] = [];
        const walk = (v: unknown): void => {
            if (typeof v === "string") leaves.push(v);
            else if (Array.isArray(v)) v.forEach(walk);
            else if (v && typeof v === "object")
                for (const [k, x] of Object.entries(v)) {
                    leaves.push(k);
                    walk(x);
                }
        };
        walk(parsed);
        const inLeaves = leaves.reduce((n, l) => n + occurrences(l, m.start).length, 0);
        const exact = leaves.filter((l) => l.includes(m.start)).every((l) => l.includes(m.payload));
        return inLeaves === occurrences(content, m.start).length && exact ? [] : bad("the value is not exactly one JSON string");
    }
    if (/\.env$/.test(path)) {
        // systemd EnvironmentFile and `docker run --env-file` must both read NAME=<the value>: one line, nothing they interpret.
        const ok = onOneLine && marked.every((l) => /^[A-Za-z_][A-Za-z0-9_]*=\S/.test(l)) && !/["'\\$`\n\r]|^\s|\s$/.test(m.payload);
        return ok ? [] : bad("the value does not stay one literal NAME=value line of an environment file");
    }
    if (/\.curlrc$/.test(path)) {
        for (const l of marked) {
            const q = /^[a-z-]+ = "((?:[^"\\]|\\.)*)"$/.exec(l);
            if (!q || !q[1].replace(/\\(.)/g, "$1").includes(m.payload)) return bad("the value does not stay one quoted curl config string");
        }
        // Each marked line holds the whole value once unescaped (curl reads \" and \\ as " and \): one line.
        return [];
    }
    if (/(^|[/.])password$/.test(path)) {
        return onOneLine && lines.length === 2 && lines[1] === "" ? [] : bad("the secret file is not exactly one line");
    }
    if (/(^|[/.-])secret$/.test(path)) {
        // Read as raw bytes (Marathon's Mesos secret file): exactly the value, not even a final newline.
        return content === m.payload || (onOneLine && lines.length === 1) ? [] : bad("the secret file is not exactly the value on one line without a newline");
    }
    // Any other format: only inside a comment line the value cannot leave.
    return onOneLine && marked.every((l) => /^\s*#/.test(l)) ? [] : bad(`the value reaches ${path}, a format with its own syntax (only comments are safe)`);
}
