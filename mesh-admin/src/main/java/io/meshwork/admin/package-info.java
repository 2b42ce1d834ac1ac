/**
 * The admin server of one process: {@code /admin} (dashboard), {@code /admin/state.json},
 * {@code /admin/mesh.json}, {@code /admin/events} and {@code /metrics}.
 */
package io.meshwork.admin;
