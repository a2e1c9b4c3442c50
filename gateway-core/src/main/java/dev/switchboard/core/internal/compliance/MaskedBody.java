package dev.switchboard.core.internal.compliance;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request's body with its customer data replaced by placeholders, and the placeholders' values, kept for the
 * answer. Made once per request and reused by every attempt that goes outside.
 */
public record MaskedBody(ObjectNode tree, Masking masking) {
}
