import { expect } from "chai";
import fc from "fast-check";
import { diffDefinitions, fromServer, normalize } from "../../../components/marathon/normalize";
import { MarathonStandin } from "../../support/marathon-standin";

/**
 * Properties of the normalization of Marathon definitions over random apps: what Marathon answers
 * for an app we sent (defaults written out, default ports added, service ports assigned, server
 * fields) never shows as a change, and a real change shows as exactly that field.
 */
const name = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
const envName = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,7}$/);
const port = fc.integer({ min: 1, max: 65535 });
const healthCheck = fc.oneof(
    fc.record(
        {
            protocol: fc.constant("HTTP"),
            path: fc.constantFrom("/", "/health"),
            portIndex: fc.constant(0),
            gracePeriodSeconds: fc.constantFrom(300, 30),
            intervalSeconds: fc.constantFrom(60, 10),
        },
        { requiredKeys: ["protocol"] },
    ),
    fc.record({ protocol: fc.constant("TCP"), portIndex: fc.constant(0), timeoutSeconds: fc.constantFrom(20, 5) }, { requiredKeys: ["protocol"] }),
    fc.record({ protocol: fc.constant("COMMAND"), command: fc.record({ value: fc.constant("true") }), maxConsecutiveFailures: fc.constantFrom(3, 1) }),
);
const portMapping = fc.record(
    {
        containerPort: port,
        hostPort: fc.constantFrom(undefined, 0, 31000),
        servicePort: fc.constantFrom(undefined, 0, 12000),
        name: fc.option(name, { nil: undefined }),
    },
    { requiredKeys: ["containerPort"] },
);
const networking = fc.oneof(
    fc.constant({}),
    fc.record(
        { networks: fc.constant([{ mode: "host" }]), portDefinitions: fc.array(fc.record({ port: fc.constantFrom(0, 12100), name }), { maxLength: 2 }) },
        { requiredKeys: ["networks"] },
    ),
    fc.record({ networks: fc.constant([{ mode: "container/bridge" }]), portMappings: fc.array(portMapping, { maxLength: 2 }) }, { requiredKeys: ["networks"] }),
);
const app = fc
    .record({
        id: name.map((n) => `/prop/${n}`),
        instances: fc.integer({ min: 0, max: 5 }),
        cpus: fc.constantFrom(1, 0.1, 0.5),
        mem: fc.constantFrom(128, 64, 512),
        env: fc.dictionary(envName, fc.oneof(fc.constant(""), name), { maxKeys: 3 }),
        labels: fc.dictionary(envName, name, { maxKeys: 2 }),
        healthChecks: fc.array(healthCheck, { maxLength: 2 }),
        image: name.map((n) => `registry.local:5000/${n}:1`),
        net: networking,
    })
    .map(({ image, net, ...a }) => {
        const { portMappings, ...rest } = net as { portMappings?: unknown[] };
        const def: Record<string, any> = { ...a, ...rest, container: { type: "DOCKER", docker: { image }, ...(portMappings ? { portMappings } : {}) } };
        // Service ports must not collide inside one app.
        let sp = 12000;
        for (const m of def.container.portMappings ?? []) if (m.servicePort) m.servicePort = sp++;
        for (const p of def.portDefinitions ?? []) if (p.port) p.port = sp++;
        return def;
    });

describe("Marathon definitions: normalization (properties)", () => {
    let m: MarathonStandin;
    before(async () => {
        m = new MarathonStandin({ deployMs: 1 });
        await m.start();
    });
    after(() => m.stop());

    it("is idempotent, and an app equals itself", () => {
        fc.assert(
            fc.property(app, (d) => {
                expect(normalize(normalize(d))).to.deep.equal(normalize(d));
                expect(diffDefinitions(d, d).changed).to.deep.equal([]);
            }),
        );
    });

    it("Marathon's answer for an app we sent shows no change (defaults, default ports, assigned service ports, server fields)", async () => {
        await fc.assert(
            fc.asyncProperty(app, async (d) => {
                // As the provider sends it: a replace (the default PUT merges into an app of the same
                // id from an earlier run of the property, keeping e.g. its `networks`).
                const put = await fetch(`${m.url}/v2/apps${d.id}?partialUpdate=false`, {
                    method: "PUT",
                    headers: { "content-type": "application/json" },
                    body: JSON.stringify(d),
                });
                expect(put.status, await put.clone().text()).to.be.oneOf([200, 201]);
                const got = (await (await fetch(`${m.url}/v2/apps${d.id}`)).json()) as { app: Record<string, any> };
                expect(diffDefinitions(d, fromServer(got.app)).changed, JSON.stringify(got.app)).to.deep.equal([]);
            }),
            { numRuns: 60 },
        );
    });

    it("a changed field shows as exactly that field; a changed id as a replacement", () => {
        fc.assert(
            fc.property(app, fc.integer({ min: 6, max: 9 }), envName, (d, n, k) => {
                expect(diffDefinitions(d, { ...d, instances: n })).to.deep.equal({ changed: ["instances"], replaces: [] });
                expect(diffDefinitions(d, { ...d, env: { ...d.env, [`${k}_NEW`]: "" } }).changed).to.deep.equal(["env"]);
                expect(diffDefinitions(d, { ...d, container: { ...d.container, docker: { image: `${d.container.docker.image}-2` } } }).changed).to.deep.equal([
                    "container.docker.image",
                ]);
                expect(diffDefinitions(d, { ...d, id: `${d.id}-2` }).replaces).to.deep.equal(["id"]);
            }),
        );
    });
});
