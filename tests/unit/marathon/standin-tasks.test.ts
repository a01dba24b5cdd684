import { expect } from "chai";
import { MarathonStandin } from "../../support/marathon-standin";

/** The parts of the Marathon stand-in that the lab's Marathon double serves on top of the provider's calls. */
describe("Marathon stand-in: apps list and tasks (the lab's Marathon double)", () => {
    let m: MarathonStandin;
    const tasks = [
        { id: "application_app_web.mesos-application-app-web-0", appId: "/application/app/web", host: "10.0.15.12", ports: [], state: "TASK_RUNNING" },
    ];
    afterEach(() => m?.stop());

    async function put(id: string, body: unknown): Promise<void> {
        const r = await fetch(`${m.url}/v2/apps${id}`, { method: "PUT", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
        expect(r.status).to.be.oneOf([200, 201]);
    }
    const get = async (p: string): Promise<any> => (await fetch(`${m.url}${p}`)).json();
    async function until(f: () => Promise<boolean>): Promise<void> {
        for (let i = 0; i < 100 && !(await f()); i++) await new Promise((r) => setTimeout(r, 10));
    }

    it("lists the tasks that the deployment reported, and counts them as running", async () => {
        m = new MarathonStandin({ onDeploy: async (_id, next) => (next ? tasks : []) });
        await m.start();
        await put("/application/app/web", { id: "/application/app/web", cmd: "sleep 1", instances: 2 });
        await until(async () => (await get(`/v2/apps/application/app/web`)).app.deployments.length === 0);
        expect(await get(`/v2/apps/application/app/web/tasks`)).to.deep.equal({ tasks });
        expect((await get(`/v2/apps/application/app/web`)).app.tasksRunning).to.equal(1);
        expect((await get(`/v2/tasks`)).tasks).to.deep.equal(tasks);
        const list = await get("/v2/apps");
        expect(list.apps.map((a: { id: string }) => a.id)).to.deep.equal(["/application/app/web"]);
    });

    it("without reported tasks, counts the definition's instances; an unknown app's tasks are a 404", async () => {
        m = new MarathonStandin();
        await m.start();
        await put("/web", { id: "/web", cmd: "sleep 1", instances: 2 });
        await until(async () => (await get(`/v2/apps/web`)).app.deployments.length === 0);
        expect((await get(`/v2/apps/web`)).app.tasksRunning).to.equal(2);
        expect((await fetch(`${m.url}/v2/apps/none/tasks`)).status).to.equal(404);
    });

    it("listens where it is told (the double: MARATHON_HOSTNAME and MARATHON_HTTP_PORT)", async () => {
        m = new MarathonStandin();
        const url = await m.start(0, "127.0.0.1");
        expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(await (await fetch(`${url}/ping`)).text()).to.equal('"pong"');
    });
});
