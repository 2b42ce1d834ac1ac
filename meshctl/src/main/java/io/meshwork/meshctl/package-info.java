/**
 * {@code meshctl}, the operators' command-line tool: {@link io.meshwork.meshctl.Meshctl}. The
 * commands validate a mesh document offline with the registry's own parser, get and publish it
 * in ZooKeeper with a version check, and list a service's live endpoints.
 */
package io.meshwork.meshctl;
