// Entry of the certificate generator child process (see generate-in-child.ts): reads one GenerateRequest as
// JSON on stdin, writes one GenerateReply as JSON on stdout, exits. @peculiar/x509 and its dependencies are
// loaded here, never in the long-lived manager. Nothing is logged: stdout carries private keys to the parent.
import { ManagerError } from '../errors.js';
import { createCa, createClientCert, createServerCert, type PemPair } from './generate.js';
import type { GenerateReply, GenerateRequest } from './generate-in-child.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function generate(request: GenerateRequest): Promise<GenerateReply> {
  const { days } = request;
  let ca: PemPair;
  let made: PemPair | undefined;
  if ('certPem' in request.ca) ca = request.ca;
  else ca = made = await createCa({ commonName: request.ca.commonName, days });
  const [server, client] = await Promise.all([
    request.server && createServerCert({ ...request.server, ca, days }),
    request.client && createClientCert({ ...request.client, ca, days }),
  ]);
  return { ca: made, server, client };
}

async function main(): Promise<number> {
  let reply: GenerateReply;
  let exit = 0;
  try {
    let request: GenerateRequest;
    try {
      request = JSON.parse(await readStdin()) as GenerateRequest;
    } catch {
      // Not the parser's message: it quotes the input, which holds the CA's private key.
      throw new ManagerError('TLS', 'the certificate request on stdin is not valid JSON');
    }
    reply = await generate(request);
  } catch (err) {
    exit = 1;
    reply = { error: { code: err instanceof ManagerError ? err.code : 'TLS', message: err instanceof Error ? err.message : String(err) } };
  }
  await new Promise<void>((resolve) => process.stdout.write(JSON.stringify(reply), () => resolve()));
  return exit;
}

process.exitCode = await main();
