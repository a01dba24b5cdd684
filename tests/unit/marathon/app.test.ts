import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { MarathonApp, MARATHON_APP_TYPE, definitionOf, marathonAccess } from "../../../components/marathon";
import { toDefinition } from "../../../components/marathon/definition";
import { mocks } from "../../support/setup";
import { settle, valueOf } from "../../support/outputs";
import { nodeappSpec, PASSWORD, USER } from "./fixtures";

const access = { url: "http://10.0.15.11:8080", username: USER, password: pulumi.secret(PASSWORD) };

describe("MarathonApp resource (mocks)", () => {
    it("registers one dynamic resource with the definition, Marathon access as a secret, and the provider", async () => {
        const s = nodeappSpec();
        const app = new MarathonApp("nodeapp", { marathon: access, ...s, image: pulumi.output(s.image) });
        await settle();
        const r = mocks.byType(MARATHON_APP_TYPE);
        expect(r).to.have.length(1);
        expect(r[0].inputs.definition).to.deep.equal(toDefinition(s));
        expect(r[0].secretInputs).to.include("marathon");
        expect(r[0].inputs.marathon.password).to.equal(PASSWORD);
        expect(r[0].inputs.__provider).to.be.a("string").and.not.contain(PASSWORD);
        expect(await valueOf(app.definition)).to.deep.equal(toDefinition(s));
    });

    it("builds access from the scheduler layer, through mgmt when asked, as one secret", async () => {
        const a = marathonAccess(
            { marathonUrl: pulumi.output("http://10.0.17.11:8080"), marathonUsername: pulumi.output(USER), marathonPassword: pulumi.secret(PASSWORD) },
            pulumi.secret({ host: "203.0.113.10", user: "admin", privateKey: "KEY", hostKey: "ssh-ed25519 AAAA" }),
        );
        expect(await (a as any).isSecret).to.equal(true);
        expect(await valueOf(a)).to.deep.equal({
            url: "http://10.0.17.11:8080",
            username: USER,
            password: PASSWORD,
            jump: { host: "203.0.113.10", user: "admin", privateKey: "KEY", hostKey: "ssh-ed25519 AAAA" },
        });
    });

    it("fails in the constructor (so at preview) on bad args, naming the key and the value", () => {
        const make = (extra: object) => () => new MarathonApp("bad", { marathon: access, ...nodeappSpec(), ...extra } as any);
        expect(make({ instances: -2 })).to.throw(/MarathonApp "bad": invalid input\n {2}instances: expected a whole number of instances, 0 or more, got -2/);
        expect(make({ id: "application/app/Node" })).to.throw(
            /id: expected an absolute Marathon app id like \/application\/app\/nodeapp.*got "application\/app\/Node"/,
        );
        expect(make({ mem: 8 })).to.throw(/mem: expected at least 32 MiB/);
        expect(make({ constraints: [["slavetype", "NEAR", "app"]] })).to.throw(/constraints\[0\]/);
        expect(make({ upgradeStrategy: { minimumHealthCapacity: 2, maximumOverCapacity: 0 } })).to.throw(
            /upgradeStrategy.minimumHealthCapacity: expected a number from 0 to 1, got 2/,
        );
        expect(make({ healthChecks: [{ protocol: "COMMAND" }] })).to.throw(/healthChecks\[0\].command: expected `command` exactly when protocol is COMMAND/);
        expect(make({ colour: "blue" })).to.throw(/colour: unknown key/);
    });

    it("fails on what only Marathon's schema catches: at once when known, when the output resolves otherwise", async () => {
        expect(() => new MarathonApp("lbl", { marathon: access, ...nodeappSpec(), labels: { tier: 3 as any } })).to.throw(
            /MarathonApp "lbl" \/application\/app\/nodeapp fails Marathon's AppDefinition schema:\n {2}\/labels\/tier: must be string/,
        );
        // With an unknown part, the same check runs when the outputs resolve, and the resource's registration fails with it.
        const late = definitionOf({ marathon: access, ...nodeappSpec(), labels: pulumi.output({ tier: 3 as any }) }, 'MarathonApp "late"');
        // (An Output's side promises reject too: the suite's fail-fast handler is set aside meanwhile.)
        const handlers = process.listeners("unhandledRejection");
        process.removeAllListeners("unhandledRejection");
        process.on("unhandledRejection", () => undefined);
        let failed: string;
        try {
            failed = await (late as any).promise().then(
                () => "resolved",
                (e: Error) => e.message,
            );
            await new Promise((r) => setTimeout(r, 20));
        } finally {
            process.removeAllListeners("unhandledRejection");
            for (const h of handlers) process.on("unhandledRejection", h as any);
        }
        expect(failed).to.match(/\/labels\/tier: must be string/);
    });
});
