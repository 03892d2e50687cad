// Loaded with `--import` through NODE_OPTIONS (Node 20 refuses --cpu-prof there): profiles the whole
// process with the inspector and writes a .cpuprofile to CPU_PROFILE_DIR when the process exits.
import fs from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector';

const dir = process.env.CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  const exit = process.exit.bind(process);
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    // The in-thread session answers synchronously, so this works inside process.exit.
    session.post('Profiler.stop', (error, result) => {
      if (!error) fs.writeFileSync(path.join(dir, `server-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  process.exit = (code) => {
    write();
    return exit(code);
  };
  process.on('exit', write);
}
