"""The purpose taxonomy: why an enterprise wants licensed data.

Applications name one of these codes (plus free text describing the scenario); policies
constrain ``purpose`` with them. Codes are stable identifiers: never rename one, add a new one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Purpose:
    code: str
    zh: str
    en: str

    def label(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


PURPOSES: dict[str, Purpose] = {
    p.code: p
    for p in (
        Purpose("credit_assessment", "信用评估", "credit assessment"),
        Purpose("financial_risk_control", "金融风险控制", "financial risk control"),
        Purpose("insurance_underwriting", "保险核保与精算", "insurance underwriting and pricing"),
        Purpose("urban_planning", "城市规划", "urban planning"),
        Purpose("transport_research", "交通研究", "transport research"),
        Purpose("academic_research", "学术研究", "academic research"),
        Purpose("public_service", "公共服务", "public service"),
        Purpose("healthcare_research", "医疗健康研究", "healthcare research"),
        Purpose("environmental_monitoring", "生态环境监测", "environmental monitoring"),
        Purpose("emergency_management", "应急管理", "emergency management"),
        Purpose("market_analysis", "市场分析", "market analysis"),
        Purpose("site_selection", "商业选址", "business site selection"),
        Purpose("product_development", "产品与服务研发", "product and service development"),
        Purpose("ai_model_training", "人工智能模型训练", "AI model training"),
        Purpose("other", "其他（须在说明中写明）", "other (describe in the application)"),
    )
}


def is_purpose(code: object) -> bool:
    return isinstance(code, str) and code in PURPOSES


def purpose_label(code: str, language: str) -> str:
    """The label of a purpose code; an unknown code is shown as itself, never hidden."""
    found = PURPOSES.get(code)
    return found.label(language) if found else code
