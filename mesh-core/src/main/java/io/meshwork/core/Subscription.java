package io.meshwork.core;

/**
 * Something added to a running mesh that can be taken back, such as a listener from {@link
 * Mesh#addListener(MeshEventListener)}. Closing twice is harmless.
 */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
  /** Takes it back; no checked exception. */
  @Override
  void close();
}
