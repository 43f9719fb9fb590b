// /etc/os-release against a profile: the image must be of the release the profile describes.

/** One field of /etc/os-release, quotes dropped. */
export function osReleaseField(osRelease: string, name: string): string | undefined {
  return new RegExp(`^${name}="?([^"\\n]*)"?$`, 'm').exec(osRelease)?.[1];
}

/** Why os-release names another system than ID=`id` with `field`=`value`, or undefined. */
export function osReleaseMismatch(osRelease: string, want: { id: string; field: string; value: string; title: string }): string | undefined {
  const id = osReleaseField(osRelease, 'ID');
  const value = osReleaseField(osRelease, want.field);
  if (id === want.id && value === want.value) return undefined;
  const seen = osReleaseField(osRelease, 'PRETTY_NAME') ?? `${id ?? 'an unknown system'} ${value ?? ''}`.trim();
  return `the image is ${seen}, not ${want.title}; pass the distro the image is of, or an image of ${want.title}`;
}
