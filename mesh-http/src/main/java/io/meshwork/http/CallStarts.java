package io.meshwork.http;

import io.meshwork.core.Ticker;
import io.opentelemetry.context.Context;
import okhttp3.Call;
import okhttp3.EventListener;

/**
 * Records, for every call of a mesh client, when and in which context the application made it
 * ({@code execute()} or {@code enqueue()}), as a tag on the call that {@link MeshInterceptor}
 * reads when the call reaches it.
 *
 * <p>Why: an {@code enqueue()}d call may wait in OkHttp's dispatcher before an interceptor runs,
 * on another thread. The mesh's deadline must count from the moment the caller made the call
 * (the caller's own clock started then), and the call must carry the caller's trace and
 * deadline, not those of whichever thread the dispatcher ran it on. OkHttp reports
 * {@code callStart} on the caller's thread, before the dispatcher sees the call.
 *
 * <p>Installed by {@link MeshHttp} as the client's event listener factory, in front of the
 * builder's own (whose listeners still see every event). Cost per call: one small object
 * (which is the call's {@link Watchdog} too).
 */
final class CallStarts implements EventListener.Factory {
  /**
   * When ({@link Ticker} reading) and in which context the application made a call; also the
   * call's {@link Watchdog}, so that a mesh call's hard deadline allocates nothing of its own.
   */
  static final class Start extends Watchdog {
    private final long nanos;
    private final Context context;

    Start(Call call, long nanos, Context context) {
      super(call);
      this.nanos = nanos;
      this.context = context;
    }

    long nanos() {
      return nanos;
    }

    Context context() {
      return context;
    }
  }

  private final Ticker ticker;
  private final EventListener.Factory delegate;
  private final EventListener recorder = new EventListener() {
    @Override
    public void callStart(Call call) {
      call.tag(Start.class, () -> new Start(call, ticker.nanoTime(), Context.current()));
    }
  };

  CallStarts(Ticker ticker, EventListener.Factory delegate) {
    this.ticker = ticker;
    this.delegate = delegate;
  }

  @Override
  public EventListener create(Call call) {
    EventListener own = delegate.create(call);
    return own == EventListener.NONE ? recorder : recorder.plus(own);
  }

  /** The start recorded for {@code call}, or {@code null} (a client whose factory was replaced after configuration). */
  static Start of(Call call) {
    return call.tag(Start.class);
  }
}
