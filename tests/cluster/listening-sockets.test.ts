// The primary closes the cluster's listening socket first on a stop (src/cluster/listening-sockets.ts). Only a
// socket Node's round-robin handle took over is closed: a server of the process's own keeps listening.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { recordListeningSockets } from '../../src/cluster/listening-sockets.ts';

describe('the primary\'s listening sockets', () => {
  it('leaves a server that owns its socket listening', async () => {
    const sockets = recordListeningSockets();
    const server = net.createServer((s) => s.end('still here'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      expect(sockets.closeAll()).toBe(0);
      const text = await new Promise<string>((resolve, reject) => {
        const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
        let got = '';
        socket.setEncoding('utf8');
        socket.on('data', (d: string) => (got += d));
        socket.on('end', () => resolve(got));
        socket.on('error', reject);
      });
      expect(text).toBe('still here');
    } finally {
      server.close();
    }
  });
});
