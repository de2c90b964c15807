/**
 * Test helper: a small PKI made with openssl at test time in a temporary directory, so no key is
 * ever committed. One CA signs a server certificate for 127.0.0.1 and localhost, a client
 * certificate (CN=alice,OU=eng,O=Samsa Test) and expired variants of both (valid until yesterday);
 * a second, unrelated CA stands for "the wrong CA". Key stores are Kafka-style PEM files holding
 * the PKCS#8 key followed by its certificate.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from './temp-dir.js'

export interface Pki {
  readonly dir: string
  /** The CA that signed everything below. */
  readonly caPem: string
  /** A CA nobody here trusts. */
  readonly otherCaPem: string
  /** Key store files (key + certificate, PEM) and the certificate alone. */
  readonly server: Issued
  readonly serverExpired: Issued
  readonly client: Issued
  readonly clientExpired: Issued
  /** A server certificate signed by the other CA. */
  readonly serverOtherCa: Issued
  /** Issues another certificate from the CA (a renewed server certificate, say). */
  issue(name: string, subject: string, options?: { days?: number; serverNames?: boolean }): Issued
}

export interface Issued {
  /** PEM file: the private key, then the certificate. */
  readonly keystore: string
  readonly keyFile: string
  readonly certFile: string
  /** Serial number, upper-case hex, as Node's X509Certificate prints it. */
  readonly serial: string
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
}

export function makePki(): Pki {
  const dir = tempDir('samsa-pki-')
  const makeCa = (name: string, cn: string): void => {
    openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '3', '-subj', `/CN=${cn}`)
  }
  makeCa('ca', 'Samsa Test CA')
  makeCa('other-ca', 'Unrelated CA')
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n')
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n')
  const issue = (name: string, subject: string, { days = 3, serverNames = true, ca = 'ca' } = {}): Issued => {
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject)
    // A negative validity makes a certificate that expired yesterday.
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`,
      '-days', String(days), '-extfile', serverNames ? 'server.ext' : 'client.ext')
    const keyFile = join(dir, `${name}.key`)
    const certFile = join(dir, `${name}.crt`)
    const keystore = join(dir, `${name}.keystore.pem`)
    writeFileSync(keystore, readFileSync(keyFile, 'utf8') + readFileSync(certFile, 'utf8'))
    const serial = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-serial'], { encoding: 'utf8' }).trim().replace(/^serial=/, '').toUpperCase()
    return { keystore, keyFile, certFile, serial }
  }
  return {
    dir,
    caPem: join(dir, 'ca.pem'),
    otherCaPem: join(dir, 'other-ca.pem'),
    server: issue('server', '/CN=localhost'),
    serverExpired: issue('server-expired', '/CN=localhost', { days: -1 }),
    client: issue('client', '/O=Samsa Test/OU=eng/CN=alice', { serverNames: false }),
    clientExpired: issue('client-expired', '/O=Samsa Test/OU=eng/CN=mallory', { days: -1, serverNames: false }),
    serverOtherCa: issue('server-other-ca', '/CN=localhost', { ca: 'other-ca' }),
    issue: (name, subject, options) => issue(name, subject, options),
  }
}
