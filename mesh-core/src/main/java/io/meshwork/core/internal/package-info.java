/**
 * The engine's implementation. Not public API: anything here may change without notice.
 */
package io.meshwork.core.internal;
