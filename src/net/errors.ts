/**
 * Network errors with Python's names where asyncio raises a specific builtin (ConnectionResetError,
 * ssl.SSLError, ssl.SSLCertVerificationError). Socket errors from the host (ECONNREFUSED,
 * EADDRINUSE, ENOTFOUND, ECONNRESET, EPIPE, ...) are passed through as the host's `Error` with
 * its `code`, `errno` and `syscall`: that is what JS code already tests for.
 * @module
 */

/** The connection was lost (`StreamWriter.drain()` after the peer went away). */
export class ConnectionResetError extends Error {
  override name = "ConnectionResetError";
  readonly code: string = "ECONNRESET";
}

/** The connection was aborted locally, e.g. a TLS handshake that took too long. */
export class ConnectionAbortedError extends Error {
  override name = "ConnectionAbortedError";
  readonly code: string = "ECONNABORTED";
}

/** A TLS failure (handshake alert, protocol error). `code` is the host's (e.g. `ERR_SSL_WRONG_VERSION_NUMBER`). */
export class SSLError extends Error {
  override name = "SSLError";
  /** The host's error code, when it gave one. */
  readonly code: string | undefined;
  constructor(message: string, options?: { code?: string | undefined; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = options?.code;
  }
}

/**
 * The peer's certificate did not verify: untrusted or self-signed, expired, or not valid for the
 * host name (`code` e.g. `DEPTH_ZERO_SELF_SIGNED_CERT`, `ERR_TLS_CERT_ALTNAME_INVALID`).
 */
export class SSLCertVerificationError extends SSLError {
  override name = "SSLCertVerificationError";
}

/** Certificate verification failure codes from OpenSSL/Node. */
const VERIFY_CODES = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_CRL",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECRYPT_CRL_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "CERT_SIGNATURE_FAILURE",
  "CRL_SIGNATURE_FAILURE",
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "CRL_NOT_YET_VALID",
  "CRL_HAS_EXPIRED",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
  "ERROR_IN_CRL_LAST_UPDATE_FIELD",
  "ERROR_IN_CRL_NEXT_UPDATE_FIELD",
  "OUT_OF_MEM",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "CERT_CHAIN_TOO_LONG",
  "CERT_REVOKED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_TLS_CERT_ALTNAME_FORMAT",
]);

/** Whether `error` is a host socket error (it has a string `code`, like Python's OSError). */
export function isSocketError(error: unknown): error is Error & { code: string } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === "string";
}

/**
 * The typed error for a failed TLS handshake: SSLCertVerificationError for certificate checks,
 * SSLError for the rest of TLS; other errors (a reset during the handshake) pass through.
 */
export function toTlsError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof SSLError) return error;
  const code = (error as { code?: unknown }).code;
  const text = typeof code === "string" ? code : "";
  if (VERIFY_CODES.has(text)) {
    return new SSLCertVerificationError(`certificate verify failed: ${error.message} (${text})`, { code: text, cause: error });
  }
  if (text.startsWith("ERR_SSL_") || text.startsWith("ERR_TLS_") || text.startsWith("ERR_OSSL_")) {
    return new SSLError(`TLS handshake failed: ${error.message}`, { code: text || undefined, cause: error });
  }
  return error;
}
