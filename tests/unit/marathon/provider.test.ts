import { expect } from "chai";
import { MarathonStandin } from "../../support/marathon-standin";
import { checkInputs, createApp, deleteAppAndWait, diffInputs, marathonProvider, readApp, updateApp } from "../../../components/marathon/provider";
import { toDefinition } from "../../../components/marathon/definition";
import { inputs, nodeappSpec, PASSWORD, USER } from "./fixtures";

const ID = "/application/app/nodeapp";

async function rejection(p: Promise<unknown>): Promise<Error> {
    try {
        await p;
    } catch (e) {
        return e as Error;
    }
    throw new Error("expected a rejection");
}

describe("MarathonApp provider against the Marathon stand-in", () => {
    let m: MarathonStandin;
    let url: string;
    beforeEach(async () => {
        m = new MarathonStandin({ username: USER, password: PASSWORD });
        url = await m.start();
    });
    afterEach(() => m.stop());

    it("creates with PUT ?partialUpdate=false, a body with id and without version, and waits for the deployment", async () => {
        const { id, outs } = await createApp(inputs(url));
        expect(id).to.equal(ID);
        const puts = m.writes();
        expect(puts).to.have.length(1);
        expect(puts[0]).to.deep.include({ method: "PUT", path: `/v2/apps${ID}`, query: { partialUpdate: "false" } });
        expect(puts[0].body.id).to.equal(ID);
        expect(puts[0].body).not.to.have.property("version");
        expect(puts[0].authorization).to.equal("Basic " + Buffer.from(`${USER}:${PASSWORD}`).toString("base64"));
        // Returned only after the deployment was gone: the tasks run.
        expect(m.deployments.size).to.equal(0);
        expect(outs).to.deep.include({ appId: ID, tasksRunning: 2 });
        expect(outs.version).to.match(/^2026-11-24T/);
    });

    it("reads back Marathon's answer (defaults and server fields) as no drift, and a changed app as drift", async () => {
        const created = await createApp(inputs(url));
        const read = await readApp(ID, created.outs);
        expect(read.id).to.equal(ID);
        expect(read.props.tasksRunning).to.equal(2);
        expect(diffInputs(created.outs, read.inputs as any)).to.deep.include({ changes: false, changed: [] });
        // Someone scaled it by hand in Marathon's UI: refresh sees exactly that.
        m.apps.get(ID)!.definition.instances = 5;
        const drifted = await readApp(ID, created.outs);
        expect(diffInputs(created.outs, drifted.inputs as any).changed).to.deep.equal(["definition.instances"]);
    });

    it("reads a deleted app as gone", async () => {
        const created = await createApp(inputs(url));
        m.apps.delete(ID);
        expect(await readApp(ID, created.outs)).to.deep.equal({ id: "", props: {} });
    });

    it("updates a scale 2 -> 3 with one PUT of the whole definition, and sends nothing when only Marathon's defaults differ", async () => {
        const created = await createApp(inputs(url));
        const scaled = inputs(url, {}, { instances: 3 });
        expect(diffInputs(created.outs, scaled)).to.deep.equal({ changes: true, replaces: [], deleteBeforeReplace: false, changed: ["definition.instances"] });
        const { outs } = await updateApp(ID, created.outs, scaled);
        expect(outs.tasksRunning).to.equal(3);
        const puts = m.writes();
        expect(puts).to.have.length(2);
        expect(puts[1].body).to.deep.equal(toDefinition(nodeappSpec({ instances: 3 })));
        // Same app written with Marathon's defaults spelled out: no change, no request.
        const same = inputs(url, {}, { instances: 3, forcePullImage: false, healthChecks: [{ ...nodeappSpec().healthChecks![0] }] });
        same.definition.backoffFactor = 1.15;
        same.definition.disk = 0;
        expect(diffInputs(outs, same).changes).to.equal(false);
        await updateApp(ID, outs, same);
        expect(m.writes()).to.have.length(2);
    });

    it("replaces (delete first) when the id changes", () => {
        const a = inputs(url);
        const b = inputs(url, {}, { id: "/application/db/mongo" });
        expect(diffInputs(a, b)).to.deep.include({ changes: true, replaces: ["definition"], deleteBeforeReplace: true });
    });

    it("waits on 409 (app locked by a deployment) and retries until the lock is gone, without forcing", async () => {
        const created = await createApp(inputs(url));
        m.stuck(ID, "pulling image");
        await rejection(updateApp(ID, created.outs, inputs(url, { deployTimeoutSeconds: 0.2 }, { mem: 256 })));
        expect(m.deployments.size).to.equal(1); // a stuck deployment holds the app
        setTimeout(() => m.unstick(ID), 150);
        const { outs } = await updateApp(ID, created.outs, inputs(url, { lockTimeoutSeconds: 5 }, { instances: 3 }));
        const puts = m.requests.filter((r) => r.method === "PUT");
        expect(puts.length).to.be.greaterThan(3); // create, stuck update, at least one 409, the success
        expect(m.writes().every((w) => w.query.force !== "true")).to.equal(true);
        expect(outs.tasksRunning).to.equal(3);
    });

    it("fails after lockTimeoutSeconds naming the deployment that holds the app (no force unless asked)", async () => {
        const created = await createApp(inputs(url));
        m.stuck(ID, "pulling image");
        await rejection(updateApp(ID, created.outs, inputs(url, { deployTimeoutSeconds: 0.2 }, { mem: 256 })));
        const held = [...m.deployments.keys()][0];
        const err = await rejection(updateApp(ID, created.outs, inputs(url, { lockTimeoutSeconds: 0.2 }, { instances: 3 })));
        expect(err.message).to.contain(`still locked by deployment(s) ${held} after 0.2 s`).and.contain("set force: true");
        expect(m.writes().some((w) => w.query.force === "true")).to.equal(false);
    });

    it("with force, overrides the stuck deployment after the lock bound (PUT ?force=true)", async () => {
        const created = await createApp(inputs(url));
        m.stuck(ID, "pulling image");
        await rejection(updateApp(ID, created.outs, inputs(url, { deployTimeoutSeconds: 0.2 }, { mem: 256 })));
        m.release(ID); // the hung deployment stays; new ones can finish
        const { outs } = await updateApp(ID, created.outs, inputs(url, { force: true, lockTimeoutSeconds: 0.1 }, { instances: 3 }));
        const forced = m.writes().filter((w) => w.query.force === "true");
        expect(forced).to.have.length(1);
        expect(forced[0].body.instances).to.equal(3);
        expect(outs.tasksRunning).to.equal(3);
    });

    it("bounds the wait for a deployment and reports the failing task's message and the declined offers", async () => {
        m.stuck(ID, "Failed to launch container: Error response from daemon: pull access denied for nodeapp", ["UnfulfilledConstraint", "InsufficientMemory"]);
        const started = Date.now();
        const err = await rejection(createApp(inputs(url, { deployTimeoutSeconds: 0.3 })));
        expect(Date.now() - started).to.be.lessThan(2000);
        expect(err.message).to.contain(`app ${ID}: deployment`).and.contain("did not finish within 0.3 s");
        expect(err.message).to.contain("pull access denied for nodeapp");
        expect(err.message).to.contain("offers declined for UnfulfilledConstraint (3 of 3), InsufficientMemory (3 of 3)");
        expect(err.message).to.contain("Tasks: 0 running");
        expect(err.message).not.to.contain(PASSWORD);
    });

    it("deletes and waits until Marathon no longer knows the app; a missing app deletes cleanly", async () => {
        const created = await createApp(inputs(url));
        await deleteAppAndWait(ID, created.outs);
        expect(m.apps.has(ID)).to.equal(false);
        expect(m.writes().map((w) => w.method)).to.deep.equal(["PUT", "DELETE"]);
        await deleteAppAndWait(ID, created.outs);
    });

    it("reports refused credentials without ever echoing the password", async () => {
        const err = await rejection(createApp(inputs(url, { marathon: { url, username: USER, password: "wrong-password-123" } })));
        expect(err.message).to.contain("Marathon refused the credentials (HTTP 401)");
        expect(err.message).not.to.contain("wrong-password-123");
    });

    it("check rejects a definition that fails Marathon's schema, a version field, a missing URL", () => {
        const bad = inputs(url);
        bad.definition.instances = -1;
        bad.definition.constraints = [["hostname", "NEAR", "x"]];
        (bad.definition as any).version = "2016-01-01T00:00:00.000Z";
        const reasons = checkInputs(bad).map((f) => f.reason);
        expect(reasons).to.include("Marathon schema: /instances: must be >= 0");
        expect(reasons.some((r) => r.includes("/constraints/0/1: must be equal to one of the allowed values"))).to.equal(true);
        expect(reasons).to.include("must not carry `version` (Marathon would roll back to it)");
        expect(checkInputs({ definition: inputs(url).definition, marathon: { url: "10.0.15.11:8080" } }).map((f) => f.property)).to.deep.equal(["marathon"]);
        expect(checkInputs(inputs(url))).to.deep.equal([]);
    });

    it("the stand-in itself rejects a body that fails the schema (422) and treats version as a rollback", async () => {
        const auth = { Authorization: "Basic " + Buffer.from(`${USER}:${PASSWORD}`).toString("base64") };
        const bad = await fetch(`${url}/v2/apps${ID}?partialUpdate=false`, {
            method: "PUT",
            headers: auth,
            body: JSON.stringify({ id: ID, instances: "two" }),
        });
        expect(bad.status).to.equal(422);
        expect(((await bad.json()) as any).details[0].path).to.equal("/instances");
        await createApp(inputs(url));
        const v1 = m.apps.get(ID)!.version;
        await updateApp(ID, (await readApp(ID, (await createApp(inputs(url))).outs)).props as any, inputs(url, {}, { instances: 3 }));
        const rb = await fetch(`${url}/v2/apps${ID}`, {
            method: "PUT",
            headers: auth,
            body: JSON.stringify({ ...toDefinition(nodeappSpec({ instances: 9 })), version: v1 }),
        });
        expect(rb.status).to.equal(200);
        expect(m.rollbacks).to.deep.equal([{ appId: ID, version: v1 }]);
        expect(m.apps.get(ID)!.definition.instances).to.equal(2); // rolled back, the body's 9 ignored
    });

    it("works the same through the provider object Pulumi serializes into state", async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK's internal module, used untyped (not all of it is typed)
        const sc = require("@pulumi/pulumi/runtime/closure/serializeClosure");
        const sf = await sc.serializeFunction(() => marathonProvider, { allowSecrets: true });
        expect(sf.text.length).to.be.lessThan(2000);
        expect(sf.text).not.to.contain(PASSWORD);
        // As the dynamic provider host (cmd/dynamic-provider getProvider): deserialize, configure once.
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- require-from-string has no typings here
        const p = require("require-from-string")(sf.text).handler();
        await p.configure({ config: {} });
        const created = await p.create(inputs(url));
        expect(created.id).to.equal(ID);
        const checked = await p.check({}, { ...inputs(url), definition: { ...inputs(url).definition, mem: 1 } });
        expect(checked.failures).to.deep.equal([]); // 1 MiB passes the schema (the resource's zod check refuses it earlier)
        const diff = await p.diff(ID, created.outs, inputs(url, {}, { instances: 3 }));
        expect(diff).to.deep.equal({ changes: true, replaces: [], deleteBeforeReplace: false });
        await p.update(ID, created.outs, inputs(url, {}, { instances: 3 }));
        expect(m.apps.get(ID)!.tasksRunning).to.equal(3);
        await p.delete(ID, created.outs);
        expect(m.apps.size).to.equal(0);
    });
});
