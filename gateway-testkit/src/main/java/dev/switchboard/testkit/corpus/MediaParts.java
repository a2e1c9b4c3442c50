package dev.switchboard.testkit.corpus;

import java.util.regex.Pattern;

/**
 * Whether a body carries images, audio or files — written apart from the gateway's own rule, as the tests' oracle: by
 * default such a body never reaches an external model (the detectors cannot read a picture).
 */
public final class MediaParts {
    private static final Pattern MEDIA = Pattern.compile(
            "\"(image_url|input_image|input_audio|audio_url|video_url|input_file|file_data|filedata|inline_data"
                    + "|inlinedata|media_type|mime_type|mimetype)\"\\s*:"
                    + "|\"type\"\\s*:\\s*\"(image|audio|video|file|document|input_image|input_audio|input_file|image_url)\""
                    + "|\"data:[^\"]*;base64,", Pattern.CASE_INSENSITIVE);

    private MediaParts() {
    }

    /** Whether {@code body} (JSON) holds a media part or inline media bytes. */
    public static boolean in(String body) {
        return MEDIA.matcher(body).find();
    }
}
