// Every suite: no unhandled promise rejection may reach the host.
import { afterAll } from "vitest";

const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => {
  rejections.push(reason);
};
process.on("unhandledRejection", onRejection);

afterAll(() => {
  process.off("unhandledRejection", onRejection);
  if (rejections.length > 0) {
    throw new Error(`unhandled rejections reached the host: ${rejections.map(String).join("; ")}`);
  }
});
