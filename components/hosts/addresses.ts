/** IPv4 arithmetic for the host targets' fixed address plans (no dependency, no DNS). */

export function ipToInt(ip: string): number {
    return ip.split(".").reduce((n, part) => n * 256 + Number(part), 0) >>> 0;
}

export function intToIp(n: number): string {
    return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
}

function bounds(range: string): [number, number] {
    const [base, bits] = range.split("/");
    const size = 2 ** (32 - Number(bits));
    const start = Math.floor(ipToInt(base) / size) * size;
    return [start, start + size];
}

/** Whether an IPv4 address lies in a CIDR range. */
export function cidrContains(range: string, ip: string): boolean {
    const [start, end] = bounds(range);
    const n = ipToInt(ip);
    return n >= start && n < end;
}

/** Whether `inner` lies entirely inside `outer`. */
export function cidrWithin(outer: string, inner: string): boolean {
    const [os, oe] = bounds(outer);
    const [is, ie] = bounds(inner);
    return is >= os && ie <= oe;
}

/** The n-th address of a range: hostAddress("10.0.15.0/24", 11) = "10.0.15.11". */
export function hostAddress(range: string, n: number): string {
    const [start, end] = bounds(range);
    if (start + n >= end) throw new Error(`${range} has no host number ${n}`);
    return intToIp(start + n);
}

/** Usable for a host: not the network, broadcast, the .1 gateway (Docker, VirtualBox) or, on AWS, the first four. */
export function reservedIn(range: string, ip: string, firstUsable: number): boolean {
    const [start, end] = bounds(range);
    const n = ipToInt(ip);
    return n < start + firstUsable || n === end - 1;
}
