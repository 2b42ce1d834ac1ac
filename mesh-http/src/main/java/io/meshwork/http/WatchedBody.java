package io.meshwork.http;

import io.meshwork.core.DeadlineExceededException;
import io.meshwork.core.model.Address;
import java.io.IOException;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.Okio;
import okio.Source;
import okio.Timeout;

/**
 * The response body of a mesh call, handed to the application in place of OkHttp's: it keeps the
 * call's {@link Watchdog} armed until the body is closed or read to the end, and turns a read
 * that the watchdog cut short into the mesh's deadline failure ({@link MeshIOException} with a
 * {@link DeadlineExceededException}) instead of OkHttp's "Canceled" or "Socket closed".
 *
 * <p>Cost: this object and Okio's buffer over it, once per call.
 */
final class WatchedBody extends ResponseBody implements Source {
  private final ResponseBody delegate;
  private final Watchdog watchdog;
  private final String service;
  private final Address address;
  private BufferedSource buffered;

  WatchedBody(ResponseBody delegate, Watchdog watchdog, String service, Address address) {
    this.delegate = delegate;
    this.watchdog = watchdog;
    this.service = service;
    this.address = address;
  }

  @Override
  public MediaType contentType() {
    return delegate.contentType();
  }

  @Override
  public long contentLength() {
    return delegate.contentLength();
  }

  @Override
  public BufferedSource source() {
    BufferedSource b = buffered;
    if (b == null) buffered = b = Okio.buffer(this);
    return b;
  }

  @Override
  public long read(Buffer sink, long byteCount) throws IOException {
    long read;
    try {
      read = delegate.source().read(sink, byteCount);
    } catch (IOException e) {
      throw failure(e);
    }
    if (read == -1) watchdog.disarm();
    return read;
  }

  private IOException failure(IOException e) {
    boolean fired = watchdog.fired();
    watchdog.disarm();
    if (!fired) return e;
    return new MeshIOException(new DeadlineExceededException(service,
        "deadline exceeded while reading the response body from " + address
            + " (the mesh cancelled the call at its deadline)", e, true));
  }

  @Override
  public Timeout timeout() {
    return delegate.source().timeout();
  }

  @Override
  public void close() {
    watchdog.disarm();
    delegate.close();
  }
}
