package io.meshwork.tls;

/**
 * An identity could not be loaded, created or renewed: a certificate or key file is missing,
 * unreadable, not PEM, or the key does not match the certificate; a certificate carries no
 * SPIFFE ID; the development CA's folder cannot be written. The message names the file or
 * folder and what is wrong, e.g. {@code private key /etc/tls/tls.key does not match the
 * certificate in /etc/tls/tls.crt (spiffe://example.org/service/greeter)}.
 */
public final class IdentityException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public IdentityException(String message) {
    super(message);
  }

  public IdentityException(String message, Throwable cause) {
    super(message, cause);
  }
}
