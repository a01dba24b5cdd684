import { expect } from "chai";
import fc from "fast-check";
import { cidrContains, cidrWithin, hostAddress, intToIp, ipToInt, reservedIn } from "../../../components/hosts/addresses";
import { cidr, ipv4, networkCidr, networkOf } from "../../../components/validate";

/** Properties of the address arithmetic and its schemas, over random addresses and prefixes. */
const address = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const prefix = fc.integer({ min: 0, max: 32 });
const at = (n: number, p: number) => networkOf(`${intToIp(n)}/${p}`);

describe("addresses and CIDRs (properties)", () => {
    it("an address survives int -> dotted -> int, and dotted -> int -> dotted", () => {
        fc.assert(fc.property(address, (n) => ipToInt(intToIp(n)) === n && intToIp(ipToInt(intToIp(n))) === intToIp(n)));
    });

    it("the network of an address contains it, is its own network, and is what networkCidr accepts", () => {
        fc.assert(
            fc.property(address, prefix, (n, p) => {
                const net = at(n, p);
                expect(cidrContains(net, intToIp(n)), net).to.equal(true);
                expect(networkOf(net)).to.equal(net);
                expect(networkCidr().safeParse(net).success, net).to.equal(true);
                // The same prefix at a host address is refused there, naming the network.
                const host = `${intToIp(n)}/${p}`;
                const r = networkCidr().safeParse(host);
                expect(r.success, host).to.equal(host === net);
                if (!r.success) expect(r.error.issues[0].message).to.include(net);
            }),
        );
    });

    it("a narrower network of an address lies within a wider one, never the other way unless equal", () => {
        fc.assert(
            fc.property(address, prefix, prefix, (n, a, b) => {
                const [wide, narrow] = [at(n, Math.min(a, b)), at(n, Math.max(a, b))];
                expect(cidrWithin(wide, narrow), `${wide} ⊇ ${narrow}`).to.equal(true);
                expect(cidrWithin(narrow, wide)).to.equal(a === b);
            }),
        );
    });

    it("the k-th host address is inside the range, and past the range's size there is none", () => {
        fc.assert(
            fc.property(address, fc.integer({ min: 8, max: 30 }), fc.nat(), (n, p, k) => {
                const net = at(n, p);
                const size = 2 ** (32 - p);
                if (k % (size * 2) < size) expect(cidrContains(net, hostAddress(net, k % size))).to.equal(true);
                else expect(() => hostAddress(net, size + (k % size))).to.throw(`${net} has no host number`);
            }),
        );
    });

    it("the network and broadcast addresses are never usable for a host", () => {
        fc.assert(
            fc.property(address, fc.integer({ min: 8, max: 30 }), fc.integer({ min: 1, max: 4 }), (n, p, first) => {
                const net = at(n, p);
                const start = ipToInt(net.split("/")[0]);
                expect(reservedIn(net, intToIp(start), first)).to.equal(true);
                expect(reservedIn(net, intToIp(start + 2 ** (32 - p) - 1), first)).to.equal(true);
            }),
        );
    });

    it("every address has one spelling: the canonical one is accepted, one with a leading zero refused", () => {
        fc.assert(
            fc.property(address, fc.integer({ min: 0, max: 3 }), prefix, (n, octet, p) => {
                const ip = intToIp(n);
                expect(ipv4.safeParse(ip).success, ip).to.equal(true);
                expect(cidr.safeParse(`${ip}/${p}`).success).to.equal(true);
                const padded = ip
                    .split(".")
                    .map((o, i) => (i === octet ? `0${o}` : o))
                    .join(".");
                expect(ipv4.safeParse(padded).success, padded).to.equal(false);
                expect(cidr.safeParse(`${padded}/${p}`).success, padded).to.equal(false);
            }),
        );
    });
});
