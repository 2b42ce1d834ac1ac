package io.meshwork.http;

/** Which URL hosts may name a mesh service, decided without allocating. */
final class MeshHosts {
  private MeshHosts() {}

  /**
   * Whether {@code host} has the form of a service name ({@code [a-z0-9]([a-z0-9.-]*[a-z0-9])?},
   * at most 63 characters) and is not an IPv4 literal. OkHttp hands hosts in lower case; IPv6
   * literals contain ':' and fail the form.
   */
  static boolean maybeService(String host) {
    int n = host.length();
    if (n == 0 || n > 63) return false;
    boolean allDigitsAndDots = true;
    for (int i = 0; i < n; i++) {
      char c = host.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (!alnum && c != '.' && c != '-') return false;
      if ((i == 0 || i == n - 1) && !alnum) return false;
      if (!(c >= '0' && c <= '9') && c != '.') allDigitsAndDots = false;
    }
    return !allDigitsAndDots;
  }
}
