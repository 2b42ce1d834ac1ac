package io.meshwork.apifixture.internal;

/** Fixture: a type from an internal package. */
public final class Hidden {}
