// Serves the package's own mock (paradigm-client/mock from the installed tarball) for the runtime and browser
// checks: prints {"url": ...} once listening, closes when stdin ends (the suite exiting closes it).
import { startMock } from "paradigm-client/mock";

const mock = await startMock();
console.log(JSON.stringify({ url: mock.url }));
process.stdin.resume();
process.stdin.on("end", () => mock.close().then(() => process.exit(0)));
