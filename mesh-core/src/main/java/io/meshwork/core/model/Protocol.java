package io.meshwork.core.model;

import java.util.Locale;

/** The protocol a service speaks. */
public enum Protocol {
  HTTP,
  GRPC;

  /** The name as written in the registry document. */
  public String documentName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
