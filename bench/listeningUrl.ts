/** The URL a spawned server prints in its `{"msg":"listening","url":…}` line (Tandem and bench/baselineServer.mjs
 *  print the same); rejects with its output if it exits first. */
import type { ChildProcess } from 'node:child_process';

export function listeningUrl(child: ChildProcess, label: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"([^"]+)"/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', () => reject(new Error(`${label} exited: ${output}`)));
  });
}
