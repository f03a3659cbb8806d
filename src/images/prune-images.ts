// Untags the images of older contents: `sagesim/knn:<old hash>`. `latest` and the current hash stay;
// an image a container still uses stays too (the port's removal fails softly).
import type { ContainerImages } from '../ports/container-engine.js';
import { splitImageName } from '../ports/image-refs.js';

/** Removes the tags of `repository` other than `keep` and `latest`; returns those removed. */
export async function pruneOldTags(engine: Pick<ContainerImages, 'listImages' | 'removeImage'>, repository: string, keep: string): Promise<readonly string[]> {
  const removed: string[] = [];
  for (const image of await engine.listImages(repository)) {
    for (const name of image.tags) {
      const { tag } = splitImageName(name);
      if (tag === keep || tag === 'latest') continue;
      if ((await engine.removeImage(name)) === 'removed') removed.push(name);
    }
  }
  return removed;
}
