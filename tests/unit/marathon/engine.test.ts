import { expect } from "chai";
import * as http from "http";
import { AddressInfo } from "net";
import * as pulumi from "@pulumi/pulumi";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { MarathonStandin } from "../../support/marathon-standin";
import { AppOutputs, checkInputs, createApp, deleteAppAndWait, diffInputs, marathonProvider, readApp, updateApp } from "../../../components/marathon/provider";
import { MarathonApp, MARATHON_APP_TYPE } from "../../../components/marathon";
import { mocks } from "../../support/setup";
import { settle } from "../../support/outputs";
import { inputs, nodeappSpec, PASSWORD, USER } from "./fixtures";

/**
 * The provider driven as the Pulumi engine drives it: refresh then up, previews with unknown
 * values, partial failures of a create, and the provider object as it is serialized into state.
 */

const ID = "/application/app/nodeapp";
/** What the engine passes for a value not known yet (preview). */
const UNKNOWN = unknownValue;

async function rejection(p: Promise<unknown>): Promise<any> {
    try {
        await p;
    } catch (e) {
        return e;
    }
    throw new Error("expected a rejection");
}

describe("MarathonApp provider as the engine drives it", () => {
    let m: MarathonStandin;
    let url: string;
    beforeEach(async () => {
        m = new MarathonStandin({ username: USER, password: PASSWORD });
        url = await m.start();
    });
    afterEach(() => m.stop());

    /** GET as Marathon answers it. */
    async function served(id = ID): Promise<Record<string, any>> {
        const r = await fetch(`${url}/v2/apps${id}`, { headers: { Authorization: "Basic " + Buffer.from(`${USER}:${PASSWORD}`).toString("base64") } });
        return ((await r.json()) as any).app;
    }

    /** create, refresh (read), then the next up: its diff and its update against the program's same inputs. */
    async function refreshThenUp(program: ReturnType<typeof inputs>) {
        const created = await createApp(program);
        const read = await readApp(program.definition.id, created.outs);
        const writes = m.writes().length;
        const diff = diffInputs(read.props as AppOutputs, program);
        await updateApp(program.definition.id, read.props as AppOutputs, program);
        return { diff, puts: m.writes().length - writes, read };
    }

    describe("refresh then up: Marathon's default ports are not a change", () => {
        it("the stand-in adds Marathon's default port mapping on bridge and container networks, and the default port definition on host", async () => {
            await createApp(inputs(url));
            const bridge = await served();
            expect(bridge.container.portMappings).to.have.length(1);
            expect(bridge.container.portMappings[0]).to.deep.include({ containerPort: 0, hostPort: 0, name: "default", protocol: "tcp" });
            expect(bridge.container.portMappings[0].servicePort).to.be.at.least(10000);
            expect(bridge.portDefinitions).to.deep.equal([]);

            await createApp(inputs(url, {}, { id: "/mesh/app", network: { mode: "container", name: "mesh" } }));
            const mesh = await served("/mesh/app");
            expect(mesh.container.portMappings).to.have.length(1);
            expect(mesh.container.portMappings[0]).to.deep.include({ containerPort: 0, name: "default", protocol: "tcp" });
            expect(mesh.container.portMappings[0]).not.to.have.property("hostPort");

            await createApp(inputs(url, {}, { id: "/host/app", network: { mode: "host" } }));
            const host = await served("/host/app");
            expect(host.container.portMappings).to.deep.equal([]);
            expect(host.portDefinitions).to.have.length(1);
            expect(host.portDefinitions[0]).to.deep.include({ name: "default", protocol: "tcp" });
            expect(host.portDefinitions[0].port).to.be.at.least(10000);
            // Assigned ports are unique across apps.
            const ports = [bridge.container.portMappings[0].servicePort, mesh.container.portMappings[0].servicePort, host.portDefinitions[0].port];
            expect(new Set(ports).size).to.equal(3);
        });

        for (const [what, spec] of [
            ["bridge", {}],
            ["a container network (the mesh)", { network: { mode: "container", name: "mesh" } }],
            ["host", { network: { mode: "host" } }],
        ] as const) {
            it(`an app on ${what} without ports: no diff and no PUT after a refresh`, async () => {
                const { diff, puts, read } = await refreshThenUp(inputs(url, {}, spec as any));
                expect(diff).to.deep.include({ changes: false, changed: [] });
                expect(puts).to.equal(0);
                expect(JSON.stringify(read.inputs!.definition)).not.to.contain('"default"');
            });
        }

        it("the legacy docker.network BRIDGE / USER form gets the same default and is no change either", async () => {
            for (const [id, network] of [
                ["/legacy/bridge", "BRIDGE"],
                ["/legacy/user", "USER"],
            ]) {
                const program = inputs(url, {}, { id });
                const def = program.definition;
                delete def.networks;
                def.container.docker.network = network;
                const { diff, puts } = await refreshThenUp(program);
                expect((await served(id)).container.portMappings[0]).to.deep.include({ containerPort: 0, name: "default" });
                expect(diff, id).to.deep.include({ changes: false, changed: [] });
                expect(puts).to.equal(0);
            }
        });

        it("declared port mappings are still compared: a changed container port is a change", async () => {
            const program = inputs(url, {}, { portMappings: [{ containerPort: 3000 }] });
            const { diff, puts, read } = await refreshThenUp(program);
            expect(diff.changes).to.equal(false);
            expect(puts).to.equal(0);
            // The service port Marathon assigned is in state, and matches "assign one" (none given) ...
            expect(read.inputs!.definition!.container.portMappings).to.deep.equal([{ containerPort: 3000, servicePort: 10000 }]);
            // ... but a service port fixed in the program is compared.
            const fixed = inputs(url, {}, { portMappings: [{ containerPort: 3000 }] });
            fixed.definition.container.portMappings[0].servicePort = 10005;
            expect(diffInputs(read.props as AppOutputs, fixed).changed).to.deep.equal(["definition.container.portMappings"]);
            const moved = inputs(url, {}, { portMappings: [{ containerPort: 3001 }] });
            expect(diffInputs(read.props as AppOutputs, moved).changed).to.deep.equal(["definition.container.portMappings"]);
            // And dropping the declared mapping (Marathon then adds its default) is a change too.
            expect(diffInputs(read.props as AppOutputs, inputs(url)).changed).to.deep.equal(["definition.container.portMappings"]);
        });
    });

    describe("preview with unknown values", () => {
        it("check accepts an unknown definition and unknown Marathon access", () => {
            expect(checkInputs({ definition: UNKNOWN as any, marathon: UNKNOWN as any })).to.deep.equal([]);
            expect(checkInputs({ definition: inputs(url).definition, marathon: { url: UNKNOWN } as any })).to.deep.equal([]);
        });

        it("check skips only what depends on unknown parts and keeps the other checks", () => {
            const def: any = inputs(url).definition;
            def.container.docker.image = UNKNOWN;
            def.env = { MONGO_URL: UNKNOWN };
            def.constraints = [["hostname", "CLUSTER", UNKNOWN]];
            def.cpus = UNKNOWN; // a number once known
            def.upgradeStrategy = UNKNOWN;
            expect(checkInputs({ definition: def, marathon: { url } })).to.deep.equal([]);
            def.instances = -1;
            def.version = "2016-01-01T00:00:00.000Z";
            const reasons = checkInputs({ definition: def, marathon: { url: "10.0.15.11:8080" } }).map((f) => f.reason);
            expect(reasons).to.include("Marathon schema: /instances: must be >= 0");
            expect(reasons).to.include("must not carry `version` (Marathon would roll back to it)");
            expect(reasons).to.include("expected marathon.url like http://10.0.15.11:8080");
            expect(reasons.join("\n")).not.to.match(/image|cpus|env|constraints/);
            const unknownId: any = { ...inputs(url).definition, id: UNKNOWN };
            expect(checkInputs({ definition: unknownId, marathon: { url } })).to.deep.equal([]);
        });

        it("diff with an unknown definition is an update, not a replacement", () => {
            const olds = { ...inputs(url), appId: ID, version: "v", tasksRunning: 2, tasksHealthy: 2 } as AppOutputs;
            expect(diffInputs(olds, { ...inputs(url), definition: UNKNOWN as any })).to.deep.include({
                changes: true,
                replaces: [],
                deleteBeforeReplace: false,
            });
            const unknownId: any = { ...inputs(url), definition: { ...inputs(url).definition, id: UNKNOWN, instances: UNKNOWN } };
            expect(diffInputs(olds, unknownId)).to.deep.include({ changes: true, replaces: [], deleteBeforeReplace: false });
            expect(diffInputs(olds, { ...inputs(url), marathon: UNKNOWN as any })).to.deep.include({ changes: true, replaces: [], deleteBeforeReplace: false });
        });

        it("diff replaces (delete first) only when the id is known to change", () => {
            const olds = { ...inputs(url), appId: ID, version: "v", tasksRunning: 2, tasksHealthy: 2 } as AppOutputs;
            const other: any = inputs(url, {}, { id: "/application/db/mongo" });
            other.definition.container.docker.image = UNKNOWN;
            expect(diffInputs(olds, other)).to.deep.include({ changes: true, replaces: ["definition"], deleteBeforeReplace: true });
            // The resource's id is a plain string: known even while the definition is not.
            expect(diffInputs(olds, { ...inputs(url), appId: "/application/db/mongo", definition: UNKNOWN as any } as any)).to.deep.include({
                replaces: ["appId"],
                deleteBeforeReplace: true,
            });
            expect(diffInputs(olds, { ...inputs(url), appId: ID, definition: UNKNOWN as any } as any)).to.deep.include({
                replaces: [],
                deleteBeforeReplace: false,
            });
        });

        it("the resource carries its id as a plain input, known at preview", async () => {
            new MarathonApp("nodeapp", { marathon: { url: "http://10.0.15.11:8080" }, ...nodeappSpec(), image: pulumi.output(nodeappSpec().image) });
            await settle();
            expect(mocks.byType(MARATHON_APP_TYPE)[0].inputs.appId).to.equal(ID);
        });
    });

    describe("empty values", () => {
        it("an env var or label added with an empty value reaches Marathon, and reads back as no drift", async () => {
            const created = await createApp(inputs(url));
            const next = inputs(url, {}, { env: { ...nodeappSpec().env, FOO: "" }, labels: { EMPTY: "" } });
            expect(diffInputs(created.outs, next).changed).to.deep.equal(["definition.env", "definition.labels"]);
            const { outs } = await updateApp(ID, created.outs, next);
            const puts = m.writes().filter((w) => w.method === "PUT");
            expect(puts).to.have.length(2);
            expect(puts[1].body.env).to.deep.include({ FOO: "" });
            expect(m.apps.get(ID)!.definition.labels).to.deep.equal({ EMPTY: "" });
            const read = await readApp(ID, outs);
            expect(read.inputs!.definition!.env).to.deep.include({ FOO: "" });
            expect(diffInputs(read.props as AppOutputs, next).changes).to.equal(false);
            // Removing it again is a change too.
            expect(diffInputs(read.props as AppOutputs, inputs(url)).changed).to.deep.equal(["definition.env", "definition.labels"]);
        });
    });

    describe("a create whose deployment does not finish", () => {
        it("fails in the partial-failure form (id and outputs) so the engine records the app, and destroy removes it", async () => {
            m.stuck(ID, "pull access denied for nodeapp");
            const err = await rejection(createApp(inputs(url, { deployTimeoutSeconds: 0.3 })));
            expect(err.message).to.contain("did not finish within 0.3 s").and.contain("pull access denied");
            expect(err.id).to.equal(ID);
            expect(err.properties).to.deep.include({ appId: ID, definition: inputs(url).definition, marathon: inputs(url).marathon });
            expect(err.properties.version).to.match(/^2026-11-24T/);
            expect(err.reasons).to.be.an("array").with.length(1);
            expect(err.reasons[0]).to.contain("pull access denied");
            // What the dynamic provider host does with it (grpcResponseFromError): the properties must convert.
            // The call the dynamic provider host makes, untyped as there (its typings want JavaScriptValue).
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- untyped as in the provider host (above)
            const structproto = require("google-protobuf/google/protobuf/struct_pb");
            expect(() => structproto.Struct.fromJavaScript(err.properties)).not.to.throw();
            // The engine keeps the resource: `pulumi destroy` deletes it with those properties.
            await deleteAppAndWait(err.id, err.properties);
            expect(m.apps.has(ID)).to.equal(false);
        });

        it("the next up (an update without changes, as the engine issues for init errors) waits for the deployment again", async () => {
            m.stuck(ID, "pulling image");
            const err = await rejection(createApp(inputs(url, { deployTimeoutSeconds: 0.3 })));
            const again = await rejection(updateApp(ID, err.properties, inputs(url, { deployTimeoutSeconds: 0.3 })));
            expect(again.message).to.contain("did not finish within 0.3 s");
            expect(again.id).to.equal(ID);
            expect(m.writes()).to.have.length(1); // no second PUT: the app is Marathon's already
            setTimeout(() => m.unstick(ID), 100);
            const { outs } = await updateApp(ID, err.properties, inputs(url));
            expect(outs.tasksRunning).to.equal(2);
            expect(m.writes()).to.have.length(1);
        });

        it("a failure before Marathon accepted the app stays a plain error (nothing to record)", async () => {
            const err = await rejection(createApp(inputs(url, { marathon: { url, username: USER, password: "wrong" } })));
            expect(err.message).to.contain("HTTP 401");
            expect(err.id).to.equal(undefined);
        });
    });

    describe("requestTimeoutSeconds", () => {
        it("bounds each request (default 30 s) and is validated on the resource", async () => {
            const silent = http.createServer(() => undefined);
            await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
            const quiet = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
            try {
                const started = Date.now();
                const err = await rejection(createApp(inputs(quiet, { marathon: { url: quiet }, requestTimeoutSeconds: 0.2 } as any)));
                expect(Date.now() - started).to.be.lessThan(3000);
                expect(err.message).to.contain("no answer within 200 ms");
            } finally {
                silent.closeAllConnections();
                await new Promise((r) => silent.close(r));
            }
            const make = (v: unknown) => () => new MarathonApp("rt", { marathon: { url }, ...nodeappSpec(), requestTimeoutSeconds: v } as any);
            expect(make(0)).to.throw(/requestTimeoutSeconds: expected/);
            expect(make("30")).to.throw(/requestTimeoutSeconds/);
            make(45)();
            await settle();
            expect(mocks.byType(MARATHON_APP_TYPE)[0].inputs.requestTimeoutSeconds).to.equal(45);
        });

        it("a changed timeout is a change of settings only: state updated, no PUT", async () => {
            const created = await createApp(inputs(url));
            const next = inputs(url, { requestTimeoutSeconds: 5 } as any);
            expect(diffInputs(created.outs, next)).to.deep.include({ changes: true, replaces: [], changed: ["requestTimeoutSeconds"] });
            const { outs } = await updateApp(ID, created.outs, next);
            expect((outs as any).requestTimeoutSeconds).to.equal(5);
            expect(m.writes()).to.have.length(1);
            expect(checkInputs({ ...next, requestTimeoutSeconds: -1 } as any).map((f) => f.property)).to.deep.equal(["requestTimeoutSeconds"]);
        });
    });

    describe("the provider serialized into state", () => {
        it("is small: it only requires the implementation by its absolute path", async () => {
            const sf = await pulumi.runtime.serializeFunction(() => marathonProvider, { allowSecrets: true });
            expect(sf.text.length).to.be.lessThan(2000);
            expect(sf.text).to.contain(JSON.stringify(require.resolve("../../../components/marathon/provider")));
            expect(sf.text).not.to.contain("diffDefinitions");
            expect(sf.text).not.to.contain(PASSWORD);
            // As the dynamic provider host does: deserialize, configure once, then call the methods.
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- require-from-string has no typings here
            const p = require("require-from-string")(sf.text).handler();
            await p.configure({ config: {} });
            expect(Object.keys(p).sort()).to.deep.equal(["check", "configure", "create", "delete", "diff", "read", "update"]);
            expect((await p.check({}, { definition: UNKNOWN, marathon: UNKNOWN })).failures).to.deep.equal([]);
            // The object in this process stays small (configure ran on the copy only).
            expect(Object.keys(marathonProvider)).to.deep.equal(["configure"]);
        });
    });
});
