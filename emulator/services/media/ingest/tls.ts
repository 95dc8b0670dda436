import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export interface TlsIdentity {
  key: string;
  cert: string;
}

/**
 * A self-signed certificate for the local RTMPS server (127.0.0.1 and localhost), made by openssl.
 * RTMPS clients such as ffmpeg do not verify certificates by default; OBS may need it trusted.
 */
export async function selfSignedCertificate(openssl: string, host: string): Promise<TlsIdentity> {
  const dir = mkdtempSync(join(tmpdir(), "realtime-stack-rtmps-"));
  try {
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    await promisify(execFile)(
      openssl,
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "3650",
        "-subj",
        `/CN=${host}`,
        "-addext",
        `subjectAltName=IP:${host},DNS:localhost`,
        "-keyout",
        key,
        "-out",
        cert,
      ],
      { timeout: 10_000 },
    );
    return { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
