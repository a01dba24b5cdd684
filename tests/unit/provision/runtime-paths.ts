import { Op, TMPFILES_DIR } from "../../../components/provision";

/**
 * /run is a tmpfs: a reboot empties it. A step whose idempotence check reads something there would
 * report a change after every reboot unless the host itself re-creates that thing at boot. These
 * helpers find such paths in a step's ops.
 */

const RUN_PATH = /(?<![\w.~/-])(?:\/var)?\/run(?:\/[A-Za-z0-9._@+%-]+)+/g;

/** /var/run is a symlink to /run: one name for both. */
export const canonical = (p: string): string => p.replace(/^\/var\/run(?=\/|$)/, "/run");

/**
 * Paths under /run (or /var/run) that decide whether an op counts as a change: the path of a
 * file, directory or unit op, and any /run path in an exec's guard. Not: what a file's content or
 * an exec's command mentions (configuration, not a check), `absent` (a reboot keeps a path
 * absent), `waitFor` and `emit` (never a change).
 */
export function runPathsChecked(ops: readonly Op[]): string[] {
    const found: string[] = [];
    for (const op of ops) {
        if ((op.kind === "file" || op.kind === "directory") && /^(\/var)?\/run\//.test(op.path)) found.push(op.path);
        if (op.kind === "exec") found.push(...(op.unless.match(RUN_PATH) ?? []));
    }
    return [...new Set(found.map(canonical))];
}

/** The tmpfiles.d lines that these ops write (files under /etc/tmpfiles.d), parsed. */
export function tmpfilesEntries(ops: readonly Op[]): { conf: string; type: string; path: string; mode: string; user: string; group: string; age: string }[] {
    return ops
        .filter((o): o is Extract<Op, { kind: "file" }> => o.kind === "file" && o.path.startsWith(`${TMPFILES_DIR}/`) && o.path.endsWith(".conf"))
        .flatMap((o) =>
            o.content
                .split("\n")
                .filter((l) => l.trim() !== "" && !l.startsWith("#"))
                .map((l) => {
                    const [type, path, mode, user, group, age] = l.trim().split(/\s+/);
                    return { conf: o.path, type, path, mode, user, group, age };
                }),
        );
}

/**
 * What the host re-creates at boot from these ops: the paths of the tmpfiles.d lines they write
 * (systemd-tmpfiles-setup.service), and the RuntimeDirectory= of each unit they install and enable
 * (systemd creates it when the unit starts).
 */
export function createdAtBoot(ops: readonly Op[]): string[] {
    const enabled = new Set(ops.flatMap((o) => (o.kind === "service" && o.enable !== false ? [o.name, `${o.name}.service`] : [])));
    const runtimeDirs = ops.flatMap((o) =>
        o.kind === "unit" && enabled.has(o.name)
            ? [...o.content.matchAll(/^RuntimeDirectory=(.*)$/gm)].flatMap((m) =>
                  m[1]
                      .trim()
                      .split(/\s+/)
                      .map((d) => `/run/${d}`),
              )
            : [],
    );
    const tmpfiles = tmpfilesEntries(ops)
        .filter((e) => /^[dDfFLvqQ]/.test(e.type))
        .map((e) => canonical(e.path));
    return [...tmpfiles, ...runtimeDirs];
}

/** The /run paths a check reads that nothing re-creates at boot: each is a change after every reboot. */
export function lostAtReboot(ops: readonly Op[]): string[] {
    const made = createdAtBoot(ops);
    return runPathsChecked(ops).filter((p) => !made.includes(p));
}
