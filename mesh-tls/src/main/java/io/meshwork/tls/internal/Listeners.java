package io.meshwork.tls.internal;

import io.meshwork.tls.IdentityException;
import io.meshwork.tls.IdentityListener;
import io.meshwork.tls.WorkloadCertificate;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The listeners of one identity source; a listener that throws is logged and skipped. */
public final class Listeners {
  private static final Logger log = LoggerFactory.getLogger(Listeners.class);
  private final CopyOnWriteArrayList<IdentityListener> listeners = new CopyOnWriteArrayList<>();

  public void add(IdentityListener l) {
    listeners.add(Objects.requireNonNull(l, "listener"));
  }

  public void remove(IdentityListener l) {
    listeners.remove(l);
  }

  public void changed(WorkloadCertificate previous, WorkloadCertificate current) {
    for (IdentityListener l : listeners) {
      try {
        l.certificateChanged(previous, current);
      } catch (RuntimeException e) {
        log.warn("identity listener {} failed on a certificate change; ignored", l, e);
      }
    }
  }

  public void failed(IdentityException problem) {
    for (IdentityListener l : listeners) {
      try {
        l.refreshFailed(problem);
      } catch (RuntimeException e) {
        log.warn("identity listener {} failed on a refresh failure; ignored", l, e);
      }
    }
  }
}
