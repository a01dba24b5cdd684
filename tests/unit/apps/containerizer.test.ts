import { expect } from "chai";
import { candidates, dockerRun, place } from "../../lab/containerizer-standin";
import { toDefinition } from "../../../components/marathon/definition";

const agents = [
    { name: "node1", ip: "10.0.15.11", attributes: { slavetype: "system" } },
    { name: "node2", ip: "10.0.15.12", attributes: { slavetype: "app" } },
    { name: "node3", ip: "10.0.15.13", attributes: { slavetype: "app" } },
];

describe("the lab's Docker containerizer stand-in (pure parts)", () => {
    const def = toDefinition({
        id: "/application/db/mongo",
        image: "10.0.15.11:5000/application/db/mongo:0123456789ab",
        instances: 1,
        cpus: 0.1,
        mem: 512,
        network: { mode: "container", name: "mesh" },
        env: { A: "it's" },
        constraints: [["hostname", "CLUSTER", "10.0.15.13"]],
        volumes: [{ containerPath: "/data/db", hostPath: "/flocker/mongo", mode: "RW" }],
        portMappings: [{ containerPort: 27017, hostPort: 27017 }],
        dockerParameters: [
            { key: "network-alias", value: "mongo" },
            { key: "log-opt", value: "tag=docker/mongo" },
        ],
        args: ["--bind_ip_all"],
    });

    it("runs a task with exactly the definition's flags, as Mesos' Docker containerizer", () => {
        expect(dockerRun(def, "mesos-application-db-mongo-0")).to.equal(
            "'docker' 'run' '-d' '--name' 'mesos-application-db-mongo-0' '--label' 'marathon.app=/application/db/mongo' " +
                "'--cpu-shares=102' '--memory=512m' '--net=mesh' " +
                "'-e' 'MARATHON_APP_ID=/application/db/mongo' '-e' 'MESOS_TASK_ID=mesos-application-db-mongo-0' '-e' 'A=it'\\''s' " +
                "'-v' '/flocker/mongo:/data/db:rw' '-p' '27017:27017/tcp' '--network-alias=mongo' '--log-opt=tag=docker/mongo' " +
                "'10.0.15.11:5000/application/db/mongo:0123456789ab' '--bind_ip_all'",
        );
    });

    it("places tasks by constraints: attributes, hostname by IP or name, round-robin over candidates", () => {
        expect(place(def, agents).map((a) => a.name)).to.deep.equal(["node3"]);
        const app = { id: "/a", instances: 3, constraints: [["slavetype", "CLUSTER", "app"]] };
        expect(place(app, agents).map((a) => a.name)).to.deep.equal(["node2", "node3", "node2"]);
        expect(candidates({ constraints: [["hostname", "LIKE", "node[12]"]] }, agents).map((a) => a.name)).to.deep.equal(["node1", "node2"]);
        expect(() =>
            place(
                {
                    id: "/b",
                    instances: 3,
                    constraints: [
                        ["slavetype", "CLUSTER", "app"],
                        ["hostname", "UNIQUE"],
                    ],
                },
                agents,
            ),
        ).to.throw(/3 instances but only 2 agents for UNIQUE/);
        expect(() => place({ id: "/c", instances: 1, constraints: [["slavetype", "CLUSTER", "gpu"]] }, agents)).to.throw(/no agent satisfies/);
    });
});
