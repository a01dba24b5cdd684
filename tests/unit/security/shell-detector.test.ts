import { expect } from "chai";
import { q, renderScript, file, exec, waitFor, emit } from "../../../components/provision";
import { findInjections, lex, Marker } from "./shell";

/** A hostile value: `$(…)`, backticks, both quotes, `;`, a newline and a glob between two markers. */
const danger = "$(touch${IFS}/tmp/pwned)`id`';id;'\";id;\"\nid\n*../";
const M: Marker = { start: "qzxSTARTq", end: "qzxENDq", payload: `qzxSTARTq${danger}qzxENDq` };
const P = M.payload;

const bad = (script: string) => expect(findInjections(script, M, "test"), script).to.not.deep.equal([]);
const good = (script: string) => expect(findInjections(script, M, "test"), script).to.deep.equal([]);

describe("security: the shell injection detector (tests/unit/security/shell.ts)", () => {
    it("lexes quoting, expansions, here-documents and nested commands the way bash does", () => {
        const s = `a 'b c' "d $(e 'f')" \\g <<'EOF'\nbody $(x)\nEOF\nh`;
        const l = lex(s);
        expect(l.commands.map((c) => c.words.map((w) => w.value))).to.deep.equal([["e", "f"], ["a", "b c", "d $(e 'f')", "g"], ["h"]]);
        expect(l.kinds[s.indexOf("b c")]).to.equal("sq");
        expect(l.kinds[s.indexOf("d $")]).to.equal("dq");
        expect(l.kinds[s.indexOf("e 'f")]).to.equal("code");
        expect(l.kinds[s.indexOf("body")]).to.equal("hq");
        expect(l.commands[1].heredocs).to.have.length(1);
    });

    it("flags the value unquoted, double-quoted, in an unquoted here-document, in a comment or mangled", () => {
        bad(`curl -o x ${P}`);
        bad(`echo "from ${P}"`);
        bad(`cat <<EOF\n${P}\nEOF\n`);
        bad(`# ${P}\ntrue`);
        bad(`echo '${P}'`); // its single quote ends the quoting
        bad(`echo ${q(P.replace(danger, "x"))} ${q(P).slice(0, 20)}`);
    });

    it("passes the value single-quoted by q(), as data and as a quoted here-document body", () => {
        good(`curl -o x ${q(P)}`);
        good(`install -m 0755 "$tmp" /usr/local/bin/weave; echo ${q(P)} >&2`);
        good(renderScript("h", "s", [file("/etc/x/conf.json", JSON.stringify({ a: P }))])); // no final newline: base64
    });

    it("follows code into ensure_exec, wait_for, bash -c and emit, and files into their formats", () => {
        bad(renderScript("h", "s", [exec("d", "true", `curl ${q(P)}`.replace(/'/g, ""))]));
        bad(renderScript("h", "s", [waitFor("d", `test -e "${P}"`, 1, "m")]));
        bad(`timeout 5 bash -c ${q(`echo "${P}"`)}`);
        bad(renderScript("h", "s", [emit(`echo "${P}"`)]));
        good(renderScript("h", "s", [exec("d", `test -e ${q(P)}`, `curl -o x ${q(P)}`), waitFor("d", `grep -qF ${q(P)} /x`, 1, "m")]));
        good(`timeout 5 bash -c ${q(`echo ${q(P)}`)}`);
        bad(`sed -i ${q(`s/x/${P}/`)} /etc/x`); // sed interprets its script
        // Files: a systemd unit may not carry it, a JSON file must keep it one string, a bash-sourced file must quote it.
        bad(renderScript("h", "s", [file("/etc/systemd/system/x.service", `[Service]\nExecStart=/bin/x ${P}\n`)]));
        good(renderScript("h", "s", [file("/etc/x/conf.json", JSON.stringify({ a: P }) + "\n")]));
        bad(renderScript("h", "s", [file("/etc/x/conf.json", `{"a": "${P}"}\n`)]));
        bad(renderScript("h", "s", [file("/etc/microservice/volumes/volumes.conf", `POOL=${P}\n`)]));
        good(renderScript("h", "s", [file("/etc/microservice/volumes/volumes.conf", `POOL=${q(P)}\n`)]));
        bad(renderScript("h", "s", [file("/etc/marathon/probe.curlrc", `user = "u:${P}"\n`)]));
        bad(renderScript("h", "s", [file("/etc/weave/password.env", `WEAVE_PASSWORD=${P}\n`)]));
    });
});
