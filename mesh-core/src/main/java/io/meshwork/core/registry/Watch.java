package io.meshwork.core.registry;

/** A running watch of one service. */
public interface Watch extends AutoCloseable {
  /** The latest snapshot delivered. */
  ServiceSnapshot current();

  /** Stops delivering snapshots. Idempotent. */
  @Override
  void close();
}
