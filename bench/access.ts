/**
 * `npm run bench:access`: what the access checks cost. A session-bound token is re-checked against the
 * database at every use (socket upgrade, timeline request) and again for every open connection of a
 * document when its sharing changes; per message nothing is checked beyond the connection's role. This
 * measures those two paths on the embedded default (SQLite), in process, against a host-application
 * token (signature check only) as the floor.
 *
 *   npm run bench:access            BENCH_QUICK=1 for a smoke run
 */
import { ApiUser, uniqueEmail } from '../tests/helpers/accounts.js';
import { editorToken } from '../tests/helpers/clients.js';
import { startTestServer } from '../tests/helpers/server.js';
import { summarize } from './stats.js';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 300 : 3000;
/** People a document is shared with, so the membership lookups are not against an empty table. */
const MEMBERS = QUICK ? 20 : 200;

async function timed(rounds: number, run: () => Promise<unknown>): Promise<ReturnType<typeof summarize>> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return summarize(samples);
}

async function main(): Promise<void> {
  const server = await startTestServer();
  try {
    const owner = new ApiUser(server.url);
    await owner.signUp(uniqueEmail('owner'));
    const doc = await owner.createDocument('Bench');
    for (let i = 0; i < MEMBERS; i++) await owner.share(doc.id, uniqueEmail('member'), 'editor');
    const reader = new ApiUser(server.url);
    await reader.signUp(uniqueEmail('reader'));
    await owner.share(doc.id, reader.me?.email ?? '', 'viewer');
    const sessionToken = await reader.socketToken(doc.id);
    const hostToken = await editorToken('Host');
    const { access } = server.accounts;

    const host = await timed(ROUNDS, () => access.identify(hostToken, doc.id));
    const session = await timed(ROUNDS, () => access.identify(sessionToken, doc.id));
    const identity = (await access.identify(sessionToken, doc.id)) as { ok: true; identity: { sessionId: string; userId: string } };
    const recheck = await timed(ROUNDS, () => access.currentAccess(identity.identity.sessionId, identity.identity.userId, doc.id));

    console.log(`access checks (SQLite, in process, ${ROUNDS} rounds, document shared with ${MEMBERS + 1} people), µs:`);
    console.log('| check | p50 | p99 |\n|---|---:|---:|');
    const row = (name: string, s: ReturnType<typeof summarize>): void => console.log(`| ${name} | ${s.p50.toFixed(1)} | ${s.p99.toFixed(1)} |`);
    row('host-application token (signature only)', host);
    row('session-bound token at connect / timeline request', session);
    row('live re-check of one open connection', recheck);
    console.log('Per message: no check beyond the connection\'s role (a property read).');
  } finally {
    await server.close();
  }
}

await main();
