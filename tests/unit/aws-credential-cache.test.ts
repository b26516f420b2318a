import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CredentialCache, type CredentialSource } from "../../core/aws/credential-cache.ts";
import type { AwsCredentials } from "../../core/aws/credentials.ts";
import { formatIotCredentials, parseIotCredentials } from "../../core/aws/iot-credentials.ts";

/** A source handing out numbered temporary credentials valid for `lifetimeMs` on a fake clock. */
function rotatingSource(clock: { now: number }, lifetimeMs: number) {
  const source = {
    description: "test source",
    loads: 0,
    fail: false,
    load(): Promise<AwsCredentials> {
      if (source.fail) return Promise.reject(new Error("endpoint down"));
      source.loads++;
      return Promise.resolve({
        accessKeyId: `ASIA${source.loads}`,
        secretAccessKey: "s",
        sessionToken: "t",
        expiration: new Date(clock.now + lifetimeMs),
      });
    },
  };
  return source satisfies CredentialSource;
}

describe("temporary credentials are cached and refreshed ahead of expiry", () => {
  test("the same credentials are reused until 10-20% of their lifetime is left", async () => {
    const clock = { now: 1_000_000 };
    const source = rotatingSource(clock, 10_000);
    const cache = new CredentialCache(source, { now: () => clock.now, random: () => 0.5 });
    assert.equal((await cache.get()).accessKeyId, "ASIA1");
    clock.now += 8_000;
    assert.equal((await cache.get()).accessKeyId, "ASIA1");
    assert.equal(source.loads, 1);
    clock.now += 600; // 1.4 s left < 15% of 10 s
    await cache.get(); // hands out the old ones and refreshes alongside
    await Promise.resolve();
    assert.equal(source.loads, 2);
    assert.equal((await cache.get()).accessKeyId, "ASIA2");
  });

  test("static credentials (no expiration) are loaded once", async () => {
    let loads = 0;
    const cache = new CredentialCache({
      description: "static",
      load: () => Promise.resolve({ accessKeyId: `A${++loads}`, secretAccessKey: "s" }),
    });
    await cache.get();
    await cache.get();
    assert.equal(loads, 1);
  });

  test("a failed refresh is reported, the valid credentials stay in use, and it is retried later", async () => {
    const clock = { now: 0 };
    const source = rotatingSource(clock, 20_000);
    const reports: string[] = [];
    const cache = new CredentialCache(source, {
      now: () => clock.now,
      random: () => 0.5,
      onRefreshError: (err, from) => reports.push(`${from}: ${err.message}`),
    });
    await cache.get();
    clock.now = 17_000; // 15% of the lifetime left: due
    source.fail = true;
    assert.equal((await cache.get()).accessKeyId, "ASIA1");
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(reports, ["test source: endpoint down"]);
    clock.now = 17_500;
    assert.equal((await cache.get()).accessKeyId, "ASIA1", "no retry storm right after a failure");
    assert.equal(reports.length, 1);
    source.fail = false;
    clock.now = 18_100; // past the first retry delay (0.5 s + jitter)
    await cache.get();
    await new Promise((r) => setTimeout(r, 0));
    assert.equal((await cache.get()).accessKeyId, "ASIA2");
  });

  test("once expired, a failing source makes get() fail with the source's error", async () => {
    const clock = { now: 0 };
    const source = rotatingSource(clock, 1_000);
    const cache = new CredentialCache(source, { now: () => clock.now, onRefreshError: () => {} });
    await cache.get();
    clock.now = 5_000;
    source.fail = true;
    await assert.rejects(cache.get(), /endpoint down/);
  });

  test("concurrent callers share one refresh", async () => {
    const clock = { now: 0 };
    const source = rotatingSource(clock, 60_000);
    const cache = new CredentialCache(source, { now: () => clock.now });
    const all = await Promise.all([cache.get(), cache.get(), cache.get()]);
    assert.equal(source.loads, 1);
    assert.deepEqual(new Set(all.map((c) => c.accessKeyId)), new Set(["ASIA1"]));
  });
});

describe("IoT credentials provider answers", () => {
  test("round trip of the documented shape, expiration without fractions", () => {
    const body = formatIotCredentials({
      accessKeyId: "ASIAX",
      secretAccessKey: "sec",
      sessionToken: "tok",
      expiration: new Date("2024-01-01T01:00:00.250Z"),
    });
    assert.match(body, /^\{"credentials":/);
    assert.match(body, /"expiration":"2024-01-01T01:00:00Z"/);
    const back = parseIotCredentials(body);
    assert.equal(back.accessKeyId, "ASIAX");
    assert.equal(back.expiration?.toISOString(), "2024-01-01T01:00:00.000Z");
  });
  test("a missing field or bad JSON is named", () => {
    assert.throws(() => parseIotCredentials("<html>"), /not JSON/);
    assert.throws(
      () => parseIotCredentials('{"credentials":{"accessKeyId":"a"}}'),
      /secretAccessKey/,
    );
    assert.throws(() => parseIotCredentials("{}"), /without "credentials"/);
  });
});
