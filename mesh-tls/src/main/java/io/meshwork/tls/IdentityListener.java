package io.meshwork.tls;

/**
 * Told when an {@link IdentitySource} changes its certificate or fails to. Called on the
 * source's renewal or poll thread (or the thread that called {@code renewIfDue} / {@code poll});
 * must return quickly and not throw (a thrown exception is logged and ignored).
 */
public interface IdentityListener {
  /** {@code current} replaced {@code previous}; new handshakes present {@code current}. */
  void certificateChanged(WorkloadCertificate previous, WorkloadCertificate current);

  /**
   * A renewal or reload failed; the previous certificate stays in force. The default does
   * nothing (the source already logs it).
   */
  default void refreshFailed(IdentityException problem) {}
}
