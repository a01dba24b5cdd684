import { expect } from "chai";
import { ChildProcess, spawn } from "child_process";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { MarathonStandin } from "../../support/marathon-standin";
import { marathonProvider } from "../../../components/marathon/provider";
import { inputs, PASSWORD, USER } from "./fixtures";

/**
 * The serialized provider run by Pulumi's own dynamic provider host
 * (@pulumi/pulumi/cmd/dynamic-provider, the process `pulumi-resource-pulumi-nodejs` starts), in a
 * fresh Node process without ts-node and another working directory, spoken to over gRPC as the
 * engine does: Configure, Check, Diff, Create, Read, Delete, with `__provider` in the properties.
 */

const SDK = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
/* eslint-disable @typescript-eslint/no-require-imports -- the SDK's own copies (resolved from its directory) of untyped generated modules */
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [SDK] }));
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const statusproto = require("@pulumi/pulumi/proto/status_pb");
const structproto = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [SDK] }));
/* eslint-enable @typescript-eslint/no-require-imports */

const ID = "/application/app/nodeapp";
const URN = "urn:pulumi:test::microservice::pulumi-nodejs:dynamic/microservice:MarathonApp::nodeapp";

describe("MarathonApp run by Pulumi's dynamic provider host (gRPC, fresh process)", function () {
    this.timeout(60000);
    let m: MarathonStandin;
    let url: string;
    let host: ChildProcess;
    let client: any;
    let provider: string;

    before(async () => {
        provider = (await pulumi.runtime.serializeFunction(() => marathonProvider, { allowSecrets: true })).text;
        // No ts-node preloaded, another working directory: the provider must find its code by itself.
        host = spawn(process.execPath, [path.join(SDK, "cmd/dynamic-provider/index.js"), "127.0.0.1:1"], {
            cwd: os.tmpdir(),
            env: { ...process.env, NODE_OPTIONS: "" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        host.stderr!.on("data", (d) => (stderr += d));
        const port = await new Promise<string>((resolve, reject) => {
            host.stdout!.once("data", (d) => resolve(String(d).trim()));
            host.once("exit", (code) => reject(new Error(`dynamic provider host exited (${code}): ${stderr}`)));
        });
        client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        const configure = new provproto.ConfigureRequest();
        configure.setArgs(structproto.Struct.fromJavaScript({}));
        await call("configure", configure);
    });
    after(() => {
        client?.close();
        host?.kill();
    });
    beforeEach(async () => {
        m = new MarathonStandin({ username: USER, password: PASSWORD });
        url = await m.start();
    });
    afterEach(() => m.stop());

    function call(method: string, req: unknown): Promise<any> {
        return new Promise((resolve, reject) => client[method](req, (err: any, res: any) => (err ? reject(err) : resolve(res))));
    }
    const struct = (v: Record<string, unknown>) => structproto.Struct.fromJavaScript({ ...v, __provider: provider });

    async function check(news: Record<string, unknown>) {
        const req = new provproto.CheckRequest();
        req.setUrn(URN);
        req.setOlds(structproto.Struct.fromJavaScript({}));
        req.setNews(struct(news));
        const res = await call("check", req);
        return res.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() }));
    }
    async function diff(olds: Record<string, unknown>, news: Record<string, unknown>) {
        const req = new provproto.DiffRequest();
        req.setId(ID);
        req.setUrn(URN);
        req.setOlds(struct(olds));
        req.setNews(struct(news));
        const res = await call("diff", req);
        return { changes: res.getChanges(), replaces: res.getReplacesList(), deleteBeforeReplace: res.getDeletebeforereplace() };
    }
    async function create(props: Record<string, unknown>) {
        const req = new provproto.CreateRequest();
        req.setUrn(URN);
        req.setProperties(struct(props));
        const res = await call("create", req);
        return { id: res.getId(), props: res.getProperties().toJavaScript() };
    }

    it("checks and diffs at preview with unknown values: no failure, an update (not a replacement)", async () => {
        expect(await check({ ...inputs(url), definition: unknownValue, marathon: unknownValue })).to.deep.equal([]);
        const bad = inputs(url);
        bad.definition.instances = -1;
        expect(await check({ ...bad, marathon: unknownValue })).to.deep.equal([
            { property: "definition", reason: "Marathon schema: /instances: must be >= 0" },
        ]);
        const olds = { ...inputs(url), appId: ID, version: "v1", tasksRunning: 2, tasksHealthy: 2 };
        const DIFF_SOME = provproto.DiffResponse.DiffChanges.DIFF_SOME;
        expect(await diff(olds, { ...inputs(url), appId: ID, definition: unknownValue })).to.deep.equal({
            changes: DIFF_SOME,
            replaces: [],
            deleteBeforeReplace: false,
        });
        expect(await diff(olds, { ...inputs(url), appId: "/application/db/mongo", definition: unknownValue })).to.deep.equal({
            changes: DIFF_SOME,
            replaces: ["appId"],
            deleteBeforeReplace: true,
        });
    });

    it("creates, refreshes to no drift, and deletes the app", async () => {
        const created = await create({ ...inputs(url), appId: ID });
        expect(created.id).to.equal(ID);
        expect(created.props).to.include({ appId: ID, tasksRunning: 2, __provider: provider });
        const read = new provproto.ReadRequest();
        read.setId(ID);
        read.setUrn(URN);
        read.setProperties(struct(created.props));
        const refreshed = (await call("read", read)).getProperties().toJavaScript();
        expect(await diff(refreshed, { ...inputs(url), appId: ID })).to.deep.include({ changes: provproto.DiffResponse.DiffChanges.DIFF_NONE });
        const del = new provproto.DeleteRequest();
        del.setId(ID);
        del.setUrn(URN);
        del.setProperties(struct(refreshed));
        await call("delete", del);
        expect(m.apps.size).to.equal(0);
    });

    it("a create whose deployment times out reaches the engine as a partial failure (ErrorResourceInitFailed with id and properties)", async () => {
        m.stuck(ID, "pull access denied for nodeapp");
        const err = await create({ ...inputs(url, { deployTimeoutSeconds: 0.3 }), appId: ID }).then(
            () => undefined,
            (e: any) => e,
        );
        expect(err, "create should fail").not.to.equal(undefined);
        expect(err.details).to.contain("did not finish within 0.3 s");
        const bin = err.metadata.get("grpc-status-details-bin");
        expect(bin, "the partial-failure details").to.have.length(1);
        const status = statusproto.Status.deserializeBinary(bin[0]);
        const any = status.getDetailsList()[0];
        expect(any.getTypeName()).to.equal("pulumirpc.ErrorResourceInitFailed");
        const failed = provproto.ErrorResourceInitFailed.deserializeBinary(any.getValue());
        expect(failed.getId()).to.equal(ID);
        const props = failed.getProperties().toJavaScript();
        expect(props).to.deep.include({ appId: ID, __provider: provider });
        expect(props.definition.id).to.equal(ID);
        expect(failed.getReasonsList()[0]).to.contain("pull access denied for nodeapp");
        // With those properties (what the engine records), destroy removes the app.
        const del = new provproto.DeleteRequest();
        del.setId(ID);
        del.setUrn(URN);
        del.setProperties(structproto.Struct.fromJavaScript(props));
        await call("delete", del);
        expect(m.apps.has(ID)).to.equal(false);
    });
});
