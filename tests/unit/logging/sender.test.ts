import { expect } from "chai";
import * as net from "net";
import { renderScript, STEP_RESULT } from "../../../components/provision";
import { senderCheckOps } from "../../../components/logging/ops";
import { LocalHost } from "../provision/run-local";

/**
 * Issue 16.1: rsyslog accepts a TCP connection from a sender missing from its allow-list and closes
 * it at once, dropping what it sent. The sender step reports that, with the host's name.
 */
describe("logging: the sender check (run locally against fake log servers)", () => {
    let h: LocalHost;
    let server: net.Server | undefined;
    beforeEach(() => (h = new LocalHost()));
    afterEach(() => {
        server?.close();
        server = undefined;
        h.cleanup();
    });
    /** `refuse`: accept, then close at once (rsyslog's $AllowedSender); otherwise keep the connection open. */
    const listen = (refuse: boolean) =>
        new Promise<number>((resolve) => {
            const open: net.Socket[] = [];
            server = net.createServer((sock) => (refuse ? sock.destroy() : open.push(sock)));
            server.on("close", () => open.forEach((s) => s.destroy()));
            server.listen(0, "127.0.0.1", () => resolve((server!.address() as net.AddressInfo).port));
        });
    const run = (port: number) =>
        h.start(renderScript("node3", "logging-sender", senderCheckOps({ host: "node3", ip: "10.0.15.13", server: "node1", address: "127.0.0.1", port })));

    it("a server that keeps the connection open accepts the sender: unchanged", async () => {
        const r = await run(await listen(false));
        expect(r.code, r.stderr).to.equal(0);
        expect(STEP_RESULT.exec(r.stdout)?.[2]).to.equal("unchanged");
    });

    it("a server that closes the connection at once refuses the sender: the step fails naming the host and the server", async () => {
        const r = await run(await listen(true));
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("node3 (10.0.15.13, sending from");
        expect(r.stderr).to.contain("refused by the log server node1 (127.0.0.1:");
        expect(r.stderr).to.contain("$AllowedSender in /etc/rsyslog.d/20-microservice-server.conf on node1");
        expect(r.stdout).to.equal("");
    });

    it("no server listening fails too (nothing would be delivered)", async () => {
        const port = await listen(false);
        server!.close();
        const r = await run(port);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("refused by the log server node1");
    });
});
