/**
 * OpenAI user content parts → Gemini `Part`s (node_modules/@google/genai/dist/genai.d.ts: `Part.text`,
 * `Part.inlineData: { mimeType, data }` base64, `Part.fileData: { fileUri, mimeType }`).
 *
 * Images by URL: Gemini does not fetch arbitrary URLs for `generateContent`; `fileData.fileUri` takes URIs of
 * the Gemini Files API (https://ai.google.dev/gemini-api/docs/files), and what else a given model accepts there
 * varies. Rather than send a request Gemini may reject as INVALID_ARGUMENT (which routing would blame on the
 * client), an http(s) image URL outside the Files API is refused up front as `unsupported_parameter`, so
 * routing tries a provider that fetches URLs. Fetching images ourselves would turn the gateway into an open
 * URL fetcher (SSRF) and is out of scope. `data:` URLs become `inlineData`.
 */
import type { Part } from '@google/genai';
import type { ChatCompletionContentPart } from 'openai/resources/chat/completions';
import { parseDataUrl } from '../shared/parse-data-url.ts';
import { invalidRequest, unsupportedParameter } from '../shared/request-refusals.ts';
import type { WarningList } from './warnings.ts';

const FILES_API_URI = /^https:\/\/generativelanguage\.googleapis\.com\/(v1|v1beta|v1alpha)\/files\/[^/?#]+$/;

const AUDIO_MIME: Record<string, string> = { wav: 'audio/wav', mp3: 'audio/mp3' };

export function convertUserContent(
  content: string | readonly ChatCompletionContentPart[],
  param: string,
  warnings: WarningList,
): Part[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  return content.map((part, index) => convertUserPart(part, `${param}[${index}]`, warnings));
}

function convertUserPart(part: ChatCompletionContentPart, param: string, warnings: WarningList): Part {
  noteCacheBreakpoint(part, warnings);
  switch (part.type) {
    case 'text':
      return { text: part.text };
    case 'image_url':
      return convertImage(part.image_url.url, part.image_url.detail, `${param}.image_url`, warnings);
    case 'input_audio': {
      const mimeType = AUDIO_MIME[part.input_audio.format];
      if (!mimeType) {
        throw unsupportedParameter(
          'gemini',
          `${param}.input_audio.format`,
          `Gemini provider: audio format '${String(part.input_audio.format)}' is not supported (wav, mp3).`,
        );
      }
      return { inlineData: { mimeType, data: part.input_audio.data } };
    }
    case 'file':
      return convertFile(part.file, `${param}.file`);
    default: {
      const type: unknown = (part as { type?: unknown }).type;
      throw unsupportedParameter(
        'gemini',
        `${param}.type`,
        `Gemini provider: content part type '${String(type)}' is not supported.`,
      );
    }
  }
}

function convertImage(url: string, detail: string | undefined, param: string, warnings: WarningList): Part {
  if (detail !== undefined && detail !== 'auto') {
    warnings.add('image_url.detail', `Gemini chooses image resolution itself; detail '${detail}' was not applied.`);
  }
  if (url.startsWith('data:')) {
    const parsed = parseDataUrl(url);
    if (!parsed)
      throw invalidRequest(
        'gemini',
        `${param}.url`,
        'Image data URL must have the form data:<mime type>;base64,<data>.',
      );
    return { inlineData: { mimeType: parsed.mediaType, data: parsed.data } };
  }
  if (FILES_API_URI.test(url)) return { fileData: { fileUri: url } };
  if (/^https?:\/\//i.test(url)) {
    throw unsupportedParameter(
      'gemini',
      `${param}.url`,
      'Gemini provider: image URLs are not fetched by Gemini; send the image as a data: URL (base64) or a Gemini Files API URI.',
    );
  }
  throw invalidRequest('gemini', `${param}.url`, 'Image URL must be a data: URL or an https URL.');
}

function convertFile(file: { file_data?: string; file_id?: string; filename?: string }, param: string): Part {
  if (file.file_id !== undefined) {
    throw unsupportedParameter(
      'gemini',
      `${param}.file_id`,
      'Gemini provider: OpenAI file ids cannot be read by Gemini; send file_data instead.',
    );
  }
  if (typeof file.file_data !== 'string')
    throw invalidRequest('gemini', param, 'File part needs file_data or file_id.');
  if (file.file_data.startsWith('data:')) {
    const parsed = parseDataUrl(file.file_data);
    if (!parsed)
      throw invalidRequest(
        'gemini',
        `${param}.file_data`,
        'File data URL must have the form data:<mime type>;base64,<data>.',
      );
    return { inlineData: { mimeType: parsed.mediaType, data: parsed.data } };
  }
  // Bare base64, as some clients send it: the type can only come from the file name.
  if (file.filename?.toLowerCase().endsWith('.pdf'))
    return { inlineData: { mimeType: 'application/pdf', data: file.file_data } };
  throw unsupportedParameter(
    'gemini',
    `${param}.file_data`,
    'Gemini provider: file_data must be a data: URL so that its MIME type is known.',
  );
}

function noteCacheBreakpoint(part: ChatCompletionContentPart, warnings: WarningList): void {
  if ('prompt_cache_breakpoint' in part && part.prompt_cache_breakpoint !== undefined) {
    warnings.add('prompt_cache_breakpoint', 'Gemini caches prompts implicitly; cache breakpoints were not applied.');
  }
}
