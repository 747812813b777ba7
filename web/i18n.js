// UI text in Japanese and English. Static text sits in the HTML as data-i18n="key" (the English
// is there too, so the page reads sensibly before this module runs), accessible names as
// data-i18n-label="key"; dynamic text calls t().

const STRINGS = {
  en: {
    pageTitle: 'kakite: handwriting in the browser',
    subtitle: 'what was written, and who wrote it',
    switchLanguage: '日本語',
    tabRecognizer: 'Hiragana recognizer',
    tabExplorer: 'Writer-style explorer',
    drawHiragana: 'Write one hiragana with mouse, finger or pen.',
    drawDigit: 'Write one digit (0–9).',
    undo: 'Undo stroke',
    clear: 'Clear',
    modelInput: 'Model input ({size}×{size})',
    candidates: 'Top 5',
    noCharacter: 'No character yet: write one hiragana in the box.',
    loading: 'Loading model… {percent}%',
    backend: 'TF.js backend: {name}, the fastest here ({timings} per prediction)',
    backendForced: 'TF.js backend: {name} (chosen by ?backend={name})',
    backendMeasuring: 'TF.js backend: {name}, timing the others…',
    loadingStyle: 'Loading the style models…',
    loadError: 'The model could not be loaded: {message}',
    loadHint: 'Build it with “dvc repro” (stage export_tfjs), then run “make serve”.',
    vendorHint: 'TensorFlow.js is vendored into web/vendor/ by “make web-vendor”: run it, then reload.',
    runError: 'Inference failed: {message}',
    explorerIntro: 'The encoder reads your writing style (z_style) from one digit; the decoder then writes ' +
      'all ten digits in that style. Each slider moves the style along one of the directions in which the ' +
      'training writers differ most, named after what it measurably changes.',
    readAs: 'Read as “{digit}”.',
    noDigit: 'No digit yet: the digits below use the average style (z_style = 0).',
    decoded: 'All ten digits in this style',
    styleDirection: 'style direction {n}',
    directionEffect: 'left to right: {changes}the pixels change by {grey} of 255 grey levels on average',
    property_slant: 'slant',
    property_width: 'width',
    property_height: 'height',
    property_stroke_weight: 'stroke weight',
    padLabel: 'Drawing pad: write one hiragana here',
    digitPadLabel: 'Drawing pad: write one digit here',
    readingTop: 'Read as “{label}” ({percent})',
    modelInfo: 'Model {revision}: {accuracy} of {n} test images right ({domains}).',
    modelInfoMissing: 'This model’s meta.json has no test accuracy or revision: re-run dvc repro export_tfjs.',
    domain_typeset: 'typeset',
    domain_strokes: 'strokes of unseen writers',
    domain_handwriting_font: 'handwriting fonts',
    resetStyle: 'Back to my style',
    privacy: 'Everything runs in this page: nothing you write is sent anywhere.',
  },
  ja: {
    pageTitle: '書き手: ブラウザで手書き認識',
    subtitle: '何が書かれたか、誰が書いたか',
    switchLanguage: 'English',
    tabRecognizer: 'ひらがな認識',
    tabExplorer: '書き癖エクスプローラー',
    drawHiragana: 'マウス・指・ペンで、ひらがなを1文字書いてください。',
    drawDigit: '数字を1文字（0〜9）書いてください。',
    undo: '一画戻す',
    clear: '消す',
    modelInput: 'モデルへの入力（{size}×{size}）',
    candidates: '候補（上位5件）',
    noCharacter: '文字がありません。枠の中にひらがなを1文字書いてください。',
    loading: 'モデルを読み込み中… {percent}%',
    backend: 'TF.js バックエンド: {name}（この端末で最速、1 回の推論: {timings}）',
    backendForced: 'TF.js バックエンド: {name}（?backend={name} で指定）',
    backendMeasuring: 'TF.js バックエンド: {name}（他を計測中…）',
    loadingStyle: 'スタイルモデルを読み込み中…',
    loadError: 'モデルを読み込めませんでした: {message}',
    loadHint: '「dvc repro」（export_tfjs ステージ）でモデルを作り、「make serve」を実行してください。',
    vendorHint: 'TensorFlow.js は「make web-vendor」で web/vendor/ に置かれます。実行してから再読み込みしてください。',
    runError: '推論に失敗しました: {message}',
    explorerIntro: 'エンコーダが数字1文字から書き癖（z_style）を読み取り、デコーダがその書き癖で0〜9を書きます。' +
      '各スライダーは、学習データの書き手の差が大きい方向に書き癖を動かします。名前は測定で確かめた変化です。',
    readAs: '「{digit}」と読みました。',
    noDigit: '数字がありません。下の数字は平均的な書き癖（z_style = 0）です。',
    decoded: 'この書き癖で書いた0〜9',
    styleDirection: '書き癖の方向 {n}',
    directionEffect: '左端から右端へ: {changes}画素が平均 {grey}/255 階調変わる',
    property_slant: '傾き',
    property_width: '幅',
    property_height: '高さ',
    property_stroke_weight: '線の太さ',
    padLabel: '手書き欄: ここにひらがなを1文字書いてください',
    digitPadLabel: '手書き欄: ここに数字を1文字書いてください',
    readingTop: '「{label}」と読みました（{percent}）',
    modelInfo: 'モデル {revision}: テスト画像 {n} 枚の正解率 {accuracy}（{domains}）。',
    modelInfoMissing: 'このモデルの meta.json には正解率とリビジョンがありません。dvc repro export_tfjs を実行してください。',
    domain_typeset: '活字',
    domain_strokes: '未知の書き手の筆跡',
    domain_handwriting_font: '手書きフォント',
    resetStyle: '自分の書き癖に戻す',
    privacy: 'すべてこのページの中で動きます。書いた文字はどこにも送信されません。',
  },
};

export const LANGUAGES = Object.keys(STRINGS);
const STORAGE_KEY = 'kakite.language';
let current = 'en';
const listeners = [];

/** The saved choice if any, else Japanese for a Japanese browser, else English. */
export function initialLanguage() {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (LANGUAGES.includes(saved)) return saved;
  const preferred = navigator.languages && navigator.languages.length ? navigator.languages[0] : navigator.language;
  return String(preferred || '').toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

export function language() {
  return current;
}

/** Text for key in the current language, with {name} placeholders filled from params. */
export function t(key, params = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? `{${name}}`));
}

/** Switch language: static text, <html lang>, then every onChange listener; remember saves the choice. */
export function setLanguage(lang, remember = false) {
  current = LANGUAGES.includes(lang) ? lang : 'en';
  document.documentElement.lang = current;
  document.title = t('pageTitle');
  for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
  for (const element of document.querySelectorAll('[data-i18n-label]')) {
    element.setAttribute('aria-label', t(element.dataset.i18nLabel));
  }
  if (remember) localStorage.setItem(STORAGE_KEY, current);
  for (const listener of listeners) listener(current);
}

export function onChange(listener) {
  listeners.push(listener);
}
