package io.meshwork.grpc;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one timer thread of mesh-grpc: it waits out the engine's retry backoffs and starts the next
 * attempt. The engine never sleeps; neither does a caller's thread here. A daemon, so it never
 * keeps a JVM alive.
 */
final class Backoffs {
  private static final ScheduledExecutorService TIMER = create();

  private Backoffs() {}

  static ScheduledExecutorService timer() {
    return TIMER;
  }

  private static ScheduledExecutorService create() {
    ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "meshwork-grpc-backoff");
      t.setDaemon(true);
      return t;
    });
    e.setRemoveOnCancelPolicy(true);
    e.setKeepAliveTime(10, TimeUnit.SECONDS);
    e.allowCoreThreadTimeOut(true);
    return e;
  }
}
