// The PostgreSQL major version a Cluster runs, read from its image tag the way CNPG does for operand images
// (ghcr.io/cloudnative-pg/postgresql:16.4, :18.6-system-trixie, :17): the leading number of the tag.
// A tag starting with the version: "16", "16.4", "9.6.24", "18.6-system-trixie", "16-3.4" (postgis).
const VERSION_TAG = /^(\d+)(?:[._-]|$)/;
/** The major version named by an image reference's tag; undefined for "latest", digests only, etc. */
export function postgresMajorFromImage(imageName) {
    const withoutDigest = imageName.split('@', 1)[0] ?? '';
    const lastSlash = withoutDigest.lastIndexOf('/');
    const colon = withoutDigest.lastIndexOf(':');
    // A colon before the last slash is a registry port (registry:5000/postgres), not a tag.
    if (colon <= lastSlash)
        return undefined;
    const match = VERSION_TAG.exec(withoutDigest.slice(colon + 1));
    const major = match?.[1];
    if (major === undefined)
        return undefined;
    const value = Number(major);
    return value > 0 ? value : undefined;
}
//# sourceMappingURL=image-version.js.map