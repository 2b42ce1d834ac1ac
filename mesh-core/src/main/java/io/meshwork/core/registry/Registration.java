package io.meshwork.core.registry;

import io.meshwork.core.model.Endpoint;

/** An endpoint announced with {@link Registry#register}; closing it withdraws the endpoint. */
public interface Registration extends AutoCloseable {
  String service();

  Endpoint endpoint();

  /** Withdraws the endpoint. Idempotent. */
  @Override
  void close();
}
