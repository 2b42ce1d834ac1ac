package io.meshwork.http;

import io.meshwork.core.model.Address;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.HttpUrl;

/**
 * Attempt URLs: the request's URL with the picked endpoint's host and port. OkHttp canonicalizes
 * a host on every {@code HttpUrl.Builder.host()} call (IDNA mapping and Punycode, even for an IP
 * literal), which was half of the mesh's cost per call; here each endpoint's host is
 * canonicalized once, and attempts copy it from a cached base URL.
 *
 * <p>Thread-safe. The cache holds at most {@value #MAX_ENDPOINTS} endpoints and starts over when
 * full (endpoints come and go with the registry).
 */
final class EndpointUrls {
  static final int MAX_ENDPOINTS = 1024;

  private final ConcurrentHashMap<Address, HttpUrl> bases = new ConcurrentHashMap<>();

  /** {@code url} sent to {@code address}: same scheme, user info, path, query and fragment. */
  HttpUrl resolve(HttpUrl url, Address address) {
    return resolve(url, address, url.scheme());
  }

  /**
   * {@code url} sent to {@code address} with {@code scheme} ({@code https} when the mesh speaks
   * TLS to it): same user info, path, query and fragment.
   */
  HttpUrl resolve(HttpUrl url, Address address, String scheme) {
    HttpUrl base = bases.get(address);
    if (base == null) {
      if (bases.size() >= MAX_ENDPOINTS) bases.clear();
      base = new HttpUrl.Builder().scheme("http").host(address.host()).port(address.port()).build();
      bases.putIfAbsent(address, base);
    }
    HttpUrl.Builder b = base.newBuilder()
        .scheme(scheme)
        .port(address.port()) // again: newBuilder() drops a port that is the base scheme's default
        .encodedPath(url.encodedPath())
        .encodedQuery(url.encodedQuery())
        .encodedFragment(url.encodedFragment());
    if (!url.encodedUsername().isEmpty()) b.encodedUsername(url.encodedUsername());
    if (!url.encodedPassword().isEmpty()) b.encodedPassword(url.encodedPassword());
    return b.build();
  }
}
