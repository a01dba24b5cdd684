/**
 * The lab's stack-config extras, merged into `lab.stackConfig()` for the full-stack run of every lab
 * test file. Each layer's owner adds its lab settings here (e.g. mesh `{ implementation: "overlay" }`
 * because Weave cannot be had on this machine, a short Mesos readiness timeout because Mesos cannot
 * run here and its steps are expected to fail fast).
 */
export const labStackExtras: Record<string, unknown> = {
    // Weave's script and images cannot be fetched here: the lab proves the overlay implementation.
    mesh: { implementation: "overlay" },
    // The inner Docker's bridge on a range no lab or host network uses (proves the bip option).
    docker: { bip: "172.31.0.1/24" },
    // No registryPassword: the stack generates it (command:local:Command), and the lab's executor
    // keeps a local command's result while its inputs are unchanged, as Pulumi state does (also across
    // processes with KEEP_LAB=1), so every run of the lab uses the same generated password.
    // One movable volume, as the original's mongo (zfs-fuse here: the kernel has no ZFS); 40-volumes moves it.
    volumes: { datasets: [{ name: "mongo", sizeGb: 1, primary: "node2" }] },
    // The apps need Marathon (it cannot run here) and images from Docker Hub: the full stack leaves
    // them out; 60-apps builds their images on mgmt from a local base and runs them with stand-ins.
    apps: { enabled: false },
    // Mesos and Marathon cannot run here (no Docker Hub): their units and files are written for real
    // and the readiness steps fail fast (20 s). The digests are placeholders that nothing can pull.
    mesos: {
        readinessTimeoutSeconds: 20,
        mirrorToRegistry: false,
        images: {
            master: `mesosphere/mesos-master:1.7.0@sha256:${"0".repeat(64)}`,
            agent: `mesosphere/mesos-slave:1.7.0@sha256:${"1".repeat(64)}`,
            marathon: `mesosphere/marathon:v1.7.236@sha256:${"2".repeat(64)}`,
        },
    },
};
